"""Latent-defect insurance: policies, cover rules, owner claims and TIS reports."""
