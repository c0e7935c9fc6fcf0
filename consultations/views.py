"""Thin views: parse input, call a service or selector, render."""
