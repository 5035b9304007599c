"""HTTP controllers of the monitoring area, one module per resource."""
