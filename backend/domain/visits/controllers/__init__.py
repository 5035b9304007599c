"""HTTP controllers of the visits area: the carer's phone and the supervisor's tablet."""
