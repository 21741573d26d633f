"""Foundations shared by the rest of plait: failures, components, file paths, logging."""
