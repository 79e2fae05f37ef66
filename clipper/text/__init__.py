"""Text handling shared by importers: decoding, cleaning, normalising."""
