"""Dataset replay: van Kasteren and Ordonez (UCI ADL) recordings as live event streams.

Files hold on/off activation intervals; these modules parse them, split each into
an on-edge and an off-edge event, and replay them in time order at any speed.
"""
