"""ETL: imports (validated frames -> Shop bulk loads), exports, and the synthetic shop generator.

Ends in ``teamgraph.shop.Shop``; never writes Cypher itself.
"""
