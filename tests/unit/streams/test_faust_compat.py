"""faust's producer buffer: flush waits for delivery, and state (changelogs) follows the outputs it records."""

from __future__ import annotations

import asyncio
from typing import Any

import faust.transport.producer

from streams.faust_compat import patch_producer_buffer

IN_EVENT = [True]


class Channel:
    def __init__(self, name: str) -> None:
        self.name = name

    def get_topic_name(self) -> str:
        return self.name


class Message:
    def __init__(self, topic: str) -> None:
        self.channel = Channel(topic)


def message(loop: asyncio.AbstractEventLoop, topic: str) -> Any:
    fut: Any = loop.create_future()
    fut.message = Message(topic)
    return fut


class FakeProducer:
    """aiokafka's producer: flush delivers what it holds (the outputs sent with Topic.send)."""

    def __init__(self, log: list[str]) -> None:
        self.log = log
        self.outputs: list[Any] = []

    async def flush(self) -> None:
        self.log.append("outputs flushed")
        for fut in self.outputs:
            if not fut.done():
                fut.set_result("delivered")


class FakeApp:
    def __init__(self, log: list[str]) -> None:
        self.producer = type("P", (), {"_producer": FakeProducer(log)})()


class FakeBuffer:
    """The two methods the patch wraps, with faust 0.15's flaw: flush gives up at once."""

    def __init__(self) -> None:
        self.should_stop = False
        self.log: list[str] = []
        self.app = FakeApp(self.log)
        self.queued: list[Any] = []
        self.original_flushes = 0

    def put(self, fut: Any) -> None:
        self.queued.append(fut)
        self.log.append(f"queued {fut.message.channel.name}")

    async def flush(self) -> None:
        self.original_flushes += 1


patch_producer_buffer(FakeBuffer, in_event=lambda: IN_EVENT[0])


def test_flush_returns_only_when_every_message_put_before_it_is_delivered_or_failed() -> None:
    async def scenario() -> None:
        buf = FakeBuffer()
        loop = asyncio.get_running_loop()
        a, b = message(loop, "alerts"), message(loop, "scored")
        buf.put(a)
        buf.put(b)
        assert buf.queued == [a, b]  # faust's put still runs (its sender task sends in order)
        flush = asyncio.ensure_future(buf.flush())
        await asyncio.sleep(0.2)  # longer than faust's 0.1 s give-up
        assert not flush.done()
        a.set_result("delivered")
        buf.put(message(loop, "alerts"))  # put after the flush began: not waited for (traffic goes on)
        await asyncio.sleep(0.05)
        assert not flush.done()
        b.set_exception(RuntimeError("send failed"))  # a failed send no longer blocks the flush
        await asyncio.wait_for(flush, 2)
        assert buf.original_flushes == 0
        b.exception()

    asyncio.run(scenario())


def test_changelog_records_of_an_event_go_out_only_after_the_outputs_it_produced() -> None:
    async def scenario() -> None:
        buf = FakeBuffer()
        loop = asyncio.get_running_loop()
        alert = message(loop, "alerts.customer.v1")
        buf.app.producer._producer.outputs.append(alert)  # sent with Topic.send, lingering in a batch
        state = message(loop, "rw-customers-changelog")
        buf.put(state)
        assert buf.queued == []  # held: the alert it records is not delivered yet
        IN_EVENT[0] = False
        timer_state = message(loop, "rw-windows-state-changelog")
        buf.put(timer_state)  # written by a timer: nothing to order against, goes at once
        IN_EVENT[0] = True
        assert buf.queued == [timer_state]
        timer_state.set_result("delivered")
        flush = asyncio.ensure_future(buf.flush())
        await asyncio.sleep(0.05)
        assert buf.log == ["queued rw-windows-state-changelog", "outputs flushed", "queued rw-customers-changelog"]
        assert alert.result() == "delivered" and not flush.done()  # waits for the state record too
        state.set_result("delivered")
        await asyncio.wait_for(flush, 1)

    asyncio.run(scenario())


def test_a_stopping_buffer_falls_back_to_fausts_flush_instead_of_waiting_for_ever() -> None:
    async def scenario() -> None:
        buf = FakeBuffer()
        loop = asyncio.get_running_loop()
        buf.put(message(loop, "scored"))
        buf.put(message(loop, "rw-customers-changelog"))
        buf.should_stop = True
        await asyncio.wait_for(buf.flush(), 1)
        assert buf.original_flushes == 1
        assert len(buf.queued) == 2  # the held record is handed to faust, not dropped here

    asyncio.run(scenario())


def test_fausts_own_buffer_class_is_patchable_once() -> None:
    class Buffer(faust.transport.producer.ProducerBuffer):  # a subclass: the real class stays as it is
        pass

    patch_producer_buffer(Buffer)
    flush = Buffer.flush
    assert Buffer._ripple_drains
    patch_producer_buffer(Buffer)
    assert Buffer.flush is flush
