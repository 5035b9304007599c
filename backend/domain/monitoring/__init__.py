"""Home sensor gateways, their events, vital-sign observations and rejected device payloads."""
