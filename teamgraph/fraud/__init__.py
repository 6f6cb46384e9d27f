"""Fraud-ring detection (docs/rules.md §6): find, score and explain rings in a shop.

A library under the Shop: it works on the projection of a shop it is given (a
:class:`~teamgraph.fraud.projection.Source`), computes in pandas, scipy and networkx, and returns
its rings. It imports nothing of ``teamgraph.shop`` or ``teamgraph.graph``: ``Shop.scan``
(:mod:`teamgraph.shop.risk`) reads the graph into the projection (through
:class:`teamgraph.shop.projection.GraphSource`), runs the detector, writes the rings and holds
them (freezing and releasing live there too). Modules: ``projection`` (the shop in memory),
``signals`` (the R-6.3 signals, pure functions), ``detect`` (candidate groups, Louvain, the
score), ``report`` (CSV and HTML), ``quality`` (precision and recall against
planted rings), ``mask`` (signal values as shown).

Choices where docs/rules.md is silent (F-1…F-6, the ring decisions and the circuit breaker, are in
:mod:`teamgraph.shop.risk`):

- F-7 The projection is read in two passes: the whole shop (shared signal values aggregated in
  the engine, distributors, distributors' open bindings, who paid whom), then only the
  candidates' neighbourhood (their bindings, invitations, orders, rewards, refunds). The cost
  follows the suspicious part of the shop.
- F-8 A shared value's weight is its kind's (device, payment account, phone 1; address 0.7;
  IP 0.5) times ``2 / (1 + log2 k)`` for k customers sharing it. A value ties its customers
  when the weight is at least 0.25 or when they arrived in a burst (F-15), and at most 50
  customers share it.
- F-9 The seeds are the strongly connected components of one directed graph of the whole shop
  (shared values both ways, buyer -> the distributor its orders paid, distributor -> the one it
  is bound to). A candidate group takes in the distributors at least half of its members (and
  at least two) are bound to, then keeps the members tied to another member by a binding, an
  invitation or a reward; it is kept when commission flowed inside it, or when it shows a burst
  or an attribution cycle.
- F-10 Groups of more than 150 members are split by Louvain (networkx, fixed seed) on their
  ties (weight: how many) and shared values (weight: F-8's).
- F-11 The score is the sum of the signals' points, between 0 and 100; rings below 20 are not
  kept, 40 and above are *flagged*.
- F-12 The benchmark's 1,000,000-customer figures run the same detector on a projection built
  from the generator's tables (:class:`~teamgraph.fraud.projection.TableSource`), rewards
  derived at 10% / 3% of the paid amount, since loading a million orders one by one through
  the ledger takes hours; the graph read is measured at 100,000 customers.
- F-13 Quality (:mod:`teamgraph.fraud.quality`): a ring is flagged at score 40; per planted
  kind, recall is the share of planted members found in the flagged ring overlapping their ring
  most, precision the share of the members of flagged rings matched to that kind (by largest
  overlap) that belong to the ring they matched; a flagged ring overlapping no planted ring is a
  false positive, and the false-positive rate is its members over the shop's customers.
- F-15 to F-17 (issue 18): bursts against the shop's own baselines, refunds against its settle
  window, and the honest context (docs/choices.md, docs/fraud.md).
"""
