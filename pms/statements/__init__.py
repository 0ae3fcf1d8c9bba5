"""Statements: the PDF statement (对账单/缴费通知单) of a bill, and print runs per building."""
