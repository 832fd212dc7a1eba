"""Scenarios, runs, calibration, benchmarks, figures and the command line."""
