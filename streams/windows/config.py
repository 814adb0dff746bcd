"""Settings of the windows stage, read from ``RIPPLE_WINDOW_*`` (same prefix family as ``ripple.settings``).

Kept beside the stage so the shared settings module need not change; the lead may fold it in.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from streams.windows.spikes import DetectorConfig
from streams.windows.windows import WindowConfig


class WindowSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RIPPLE_WINDOW_", env_file=".env", extra="ignore")

    size_s: int = Field(default=60, ge=1, description="Window length (per-minute by default).")
    lateness_s: float = Field(default=5.0, ge=0, description="Allowed lateness behind the newest event.")
    idle_grace_s: float = Field(default=1.0, ge=0, description="Extra wall-clock wait before idle closing.")
    retention_s: float = Field(default=7200.0, ge=0, description="Closed windows kept for late corrections.")
    tick_s: float = Field(default=1.0, gt=0, description="Timer period that closes windows.")
    spike_alpha: float = Field(default=1e-6, gt=0, lt=1)
    spike_min_count: int = Field(default=8, ge=1)
    spike_min_ratio: float = Field(default=1.8, ge=1)
    spike_cooldown_windows: int = Field(default=10, ge=0)
    spike_warmup_windows: int = Field(default=30, ge=0)

    def window_config(self) -> WindowConfig:
        return WindowConfig(size_s=self.size_s, lateness_s=self.lateness_s, idle_grace_s=self.idle_grace_s,
                            retention_s=self.retention_s)

    def detector_config(self) -> DetectorConfig:
        return DetectorConfig(window_s=self.size_s, alpha=self.spike_alpha, min_count=self.spike_min_count,
                              min_ratio=self.spike_min_ratio, cooldown_windows=self.spike_cooldown_windows,
                              warmup_windows=self.spike_warmup_windows)
