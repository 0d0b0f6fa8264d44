"""Tessera: the PyTorch specification of the model the browser engine runs."""
