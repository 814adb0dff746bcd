"""Customers at risk (issue 5): per-customer state, dissatisfaction rules, closed-loop follow-up.

``config`` holds the rules' settings, ``state`` the per-customer record kept in a faust table,
``rules`` the pure engine (event/follow-up/clock in, new state and alerts out), ``exposure`` the
agent-protection counter, ``agent`` the faust glue.
"""
