"""Fraud-ring detection (RULES.md section 6) over a networkx projection of the graph.

Reads the graph through ``teamgraph.graph``; writes only through ``teamgraph.shop``. To come
with issue #7.
"""
