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
  the engine, distributors, distributors' open bindings), then only the candidates'
  neighbourhood (their bindings, invitations, orders, rewards, refunds). The cost follows the
  suspicious part of the shop.
- F-8 A shared value's weight is its kind's (device, payment account, phone 1; address 0.7;
  IP 0.5) times ``2 / (1 + log2 k)`` for k customers sharing it. A value ties its customers
  into a candidate group when the weight is at least 0.25 (a device up to 128 customers, an
  address up to 24, an IP up to 8) and at most 50 customers share it; a public IP does not.
  Self-dealing through only an address or an IP (a household) counts half.
- F-9 A candidate group takes in the distributors at least half of its members (and at least
  two) are or were bound to, then keeps the members tied to another member by a binding, an
  invitation or a reward; it is kept when commission flowed inside it (rewards as issued,
  before clawbacks: a refund after settlement takes back what already flowed), or, without
  commission yet, when it shows a burst or an attribution cycle: fake accounts raise their
  inviter's level conditions (R-4.2) before any commission flows.
- F-10 Groups of more than 150 members are split by Louvain (networkx, fixed seed) on their
  ties (weight: how many) and shared values (weight: F-8's).
- F-11 The score is the sum of the signals' points, capped at 100: shared values (up to 25),
  self-dealing (20 + 5 per account, up to 45), a cycle (45), a burst of at least 5 joins or
  bindings on one value within an hour (30 + 1 per account over 5, up to 45), at least 2
  refunds within 3 days after settlement (25 + 2 per more, up to 40), a distributor's
  counters within 3% above a level or ladder threshold (15), commission inside
  (5·log10(1 + yuan), up to 15). Rings
  below 20 are not kept; 40 and above are *flagged* (the quality figures). Values are shown
  masked (IPs 117.136.*.*; phones, stored as keyed digests, as a fingerprint of the digest,
  ``#Ab3-x9…``).
- F-12 The benchmark's 1,000,000-customer figures run the same detector on a projection built
  from the generator's tables (:class:`~teamgraph.fraud.projection.TableSource`), rewards
  derived at 10% / 3% of the paid amount, since loading a million orders one by one through
  the ledger takes hours; the graph read is measured at 100,000 customers.
- F-13 Quality (:mod:`teamgraph.fraud.quality`): a ring is flagged at score 40; per planted
  kind, recall is the share of planted members found in the flagged ring overlapping their ring
  most, precision the share of the members of flagged rings matched to that kind (by largest
  overlap) that belong to the ring they matched; a flagged ring overlapping no planted ring is a
  false positive, and the false-positive rate is its members over the shop's customers.
"""
