"""ETL: imports (validated frames -> Shop bulk loads), exports, and the synthetic shop generator.

Ends in ``teamgraph.shop.Shop``: its events, and ``shop.bulk`` for every batch read and write;
never touches the graph store or writes Cypher itself.
"""
