"""faust's producer buffer flush waits for every buffered message (changelogs before offset commits)."""

from __future__ import annotations

import asyncio
from typing import Any

import faust.transport.producer

from streams.faust_compat import patch_producer_buffer


class FakeBuffer:
    """The two methods the patch wraps, with faust 0.15's flaw: flush gives up at once."""

    def __init__(self) -> None:
        self.should_stop = False
        self.queued: list[Any] = []
        self.original_flushes = 0

    def put(self, fut: Any) -> None:
        self.queued.append(fut)

    async def flush(self) -> None:
        self.original_flushes += 1


def test_flush_returns_only_when_every_message_put_is_delivered_or_failed() -> None:
    patch_producer_buffer(FakeBuffer)

    async def scenario() -> None:
        buf = FakeBuffer()
        loop = asyncio.get_running_loop()
        a, b = loop.create_future(), loop.create_future()
        buf.put(a)
        buf.put(b)
        assert buf.queued == [a, b]  # faust's put still runs (its sender task sends in order)
        flush = asyncio.ensure_future(buf.flush())
        await asyncio.sleep(0.2)  # longer than faust's 0.1 s give-up
        assert not flush.done()
        a.set_result("delivered")
        await asyncio.sleep(0.05)
        assert not flush.done()
        b.set_exception(RuntimeError("send failed"))  # a failed send no longer blocks the flush
        await asyncio.wait_for(flush, 2)
        assert buf.original_flushes == 0
        b.exception()

    asyncio.run(scenario())


def test_a_stopping_buffer_falls_back_to_fausts_flush_instead_of_waiting_for_ever() -> None:
    patch_producer_buffer(FakeBuffer)

    async def scenario() -> None:
        buf = FakeBuffer()
        buf.put(asyncio.get_running_loop().create_future())
        buf.should_stop = True
        await asyncio.wait_for(buf.flush(), 1)
        assert buf.original_flushes == 1

    asyncio.run(scenario())


def test_fausts_own_buffer_class_is_patchable_once() -> None:
    class Buffer(faust.transport.producer.ProducerBuffer):  # a subclass: the real class stays as it is
        pass

    patch_producer_buffer(Buffer)
    flush = Buffer.flush
    assert flush is not faust.transport.producer.ProducerBuffer.flush or Buffer._ripple_drains
    patch_producer_buffer(Buffer)
    assert Buffer.flush is flush
