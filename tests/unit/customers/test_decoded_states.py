"""DecodedStates: a kept state is reused only while the table holds the bytes it was saved as."""

from __future__ import annotations

from streams.customers.state import Contact, CustomerState, DecodedStates


def _state(contacts: int) -> CustomerState:
    return CustomerState(recent=[Contact(f"e{i}", float(i), "chat", -0.5, 1) for i in range(contacts)],
                         contacts=contacts)


def test_a_kept_state_comes_back_while_the_bytes_are_the_same() -> None:
    cache = DecodedStates()
    state = _state(2)
    data = state.to_bytes()
    cache.keep(b"c1", data, state)
    assert cache.take(b"c1", bytes(data)) is state  # equal bytes (a RocksDB read is a fresh copy)


def test_take_hands_the_state_over_so_an_unsaved_change_cannot_come_back() -> None:
    cache = DecodedStates()
    state = _state(2)
    data = state.to_bytes()
    cache.keep(b"c1", data, state)
    taken = cache.take(b"c1", data)
    taken.contacts = 99  # a handler changed it, then did not save (a duplicate, an error)
    again = cache.take(b"c1", data)
    assert again is not taken and again.contacts == 2 and again == CustomerState.from_bytes(data)


def test_other_bytes_in_the_table_win_over_the_kept_state() -> None:
    cache = DecodedStates()
    old = _state(1)
    cache.keep(b"c1", old.to_bytes(), old)
    newer = _state(3).to_bytes()  # restored from the changelog, or written by another path
    assert cache.take(b"c1", newer).contacts == 3
    assert cache.take(b"c2", None) == CustomerState()


def test_the_least_recently_kept_entry_goes_first() -> None:
    cache = DecodedStates(size=2)
    states = {k: _state(i) for i, k in enumerate((b"a", b"b", b"c"), start=1)}
    data = {k: s.to_bytes() for k, s in states.items()}
    cache.keep(b"a", data[b"a"], states[b"a"])
    cache.keep(b"b", data[b"b"], states[b"b"])
    cache.keep(b"a", data[b"a"], states[b"a"])  # kept again: now the most recent
    cache.keep(b"c", data[b"c"], states[b"c"])  # evicts b
    assert len(cache) == 2
    assert cache.take(b"a", data[b"a"]) is states[b"a"]
    assert cache.take(b"b", data[b"b"]) is not states[b"b"]
    cache.clear()
    assert len(cache) == 0
