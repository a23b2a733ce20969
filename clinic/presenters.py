"""How the dashboard shows a row: CSS classes, display text and the SVG
sparkline's geometry. The selector (clinic.selectors.dashboard_rows) only reads
the data; the row inherits these from DashboardRowDisplay."""

SPARKLINE_DAYS = 30


class DashboardRowDisplay:
    """Display properties of clinic.selectors.DashboardRow (needs its data fields)."""

    @property
    def risk_class(self) -> str:
        if self.has_urgent:
            return "risk-urgent"
        if self.open_alerts:
            return "risk-alert"
        if self.declining:
            return "risk-decline"
        return "risk-missed" if self.missed else ""

    @property
    def change_class(self) -> str:
        if self.change is None or self.change == 0:
            return ""
        return "down" if self.declining else ("dip" if self.change < 0 else "up")

    @property
    def change_text(self) -> str:
        if self.change is None:
            return ""
        return "±0" if self.change == 0 else f"{self.change:+g}"

    @property
    def latest_text(self) -> str:
        return "–" if self.latest_total is None else f"{self.latest_total:g}"

    @property
    def baseline_text(self) -> str:
        return "no baseline" if self.baseline_total is None else f"/ {round(self.baseline_total, 1):g} baseline"

    @property
    def last_checkin_text(self) -> str:
        return "" if self.last_checkin is None else f"{self.last_checkin.day} {self.last_checkin:%b}"

    @property
    def since_text(self) -> str:
        days = self.days_since_checkin
        return {None: "never", 0: "today", 1: "yesterday"}.get(days, f"{days} days ago")

    @property
    def sparkline_values(self) -> list[int]:
        return [total for _, total in self.sparkline]

    def _sparkline_scale(self) -> tuple[float, float]:
        """(top, height) in score units, covering the values and the baseline.

        At least 4 points tall so that one point of noise does not look like a cliff.
        """
        values = self.sparkline_values + ([self.baseline_total] if self.baseline_total is not None else [])
        lo, hi = min(values), max(values)
        pad = max(0.5, (4 - (hi - lo)) / 2)
        return hi + pad, hi - lo + 2 * pad

    @property
    def sparkline_box(self) -> str:
        """SVG viewBox: x = day of the 30-day window (0-29), y = top of the scale minus the total."""
        return f"-0.5 0 {SPARKLINE_DAYS} {self._sparkline_scale()[1]:g}" if self.sparkline else ""

    @property
    def sparkline_points(self) -> str:
        if not self.sparkline or self.sparkline_start is None:
            return ""
        top, start = self._sparkline_scale()[0], self.sparkline_start
        return " ".join(f"{(d - start).days},{top - t:g}" for d, t in self.sparkline)

    @property
    def sparkline_label(self) -> str:
        return ", ".join(map(str, self.sparkline_values))

    @property
    def baseline_y(self) -> str:
        if self.baseline_total is None or not self.sparkline:
            return ""
        return f"{self._sparkline_scale()[0] - self.baseline_total:g}"

    def as_display(self) -> dict:
        """Everything the dashboard template prints, as a dict: dict lookups keep 500 rows fast to render."""
        return {
            "pk": self.patient.pk,
            "name": self.name,
            "age": self.age,
            "region": self.region,
            "team": self.team,
            "risk_class": self.risk_class,
            "missed": self.missed,
            "motor_declining": self.motor_declining,
            "last_checkin": self.last_checkin_text,
            "since": self.since_text,
            "latest": self.latest_text,
            "baseline": self.baseline_text,
            "change": self.change_text,
            "change_class": self.change_class,
            "sparkline_box": self.sparkline_box,
            "sparkline_points": self.sparkline_points,
            "sparkline_label": self.sparkline_label,
            "baseline_y": self.baseline_y,
            "open_alerts": self.open_alerts,
        }

    def risk_key(self) -> tuple:
        return self.risk_key_for(self.patient.last_name, self.patient.first_name)

    def risk_key_for(self, last_name: str, first_name: str) -> tuple:
        best_rank = min((a["severity_rank"] for a in self.open_alerts), default=9)
        decline = max(0.0, -(self.change or 0.0))
        missed_days = 10**6 if self.days_since_checkin is None else self.days_since_checkin
        return (best_rank, -decline, -missed_days, last_name.lower(), first_name.lower())
