"""Assessors' pages: joining by invitation and appraising options against outcomes."""
