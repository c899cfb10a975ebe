"""Trợ lý Doanh nghiệp: the province's assistant for businesses."""

__version__ = "0.1.0"
