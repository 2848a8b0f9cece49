"""Warehouse-native customer segmentation: synthetic data, features and clustering helpers."""
