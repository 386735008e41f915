"""The local AWS: moto's server, the fidelity layer that makes it behave like AWS for this
tutorial's flow, and the local CloudFront edge, all in one detached background process.

``process`` starts, finds and stops that process; ``server`` is what runs inside it.
"""
