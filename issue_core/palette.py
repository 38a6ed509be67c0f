"""One colour per convention status and per axis, used by every table and chart."""

from issue_core.rules import ConventionStatus

STATUS_COLOURS = {
    ConventionStatus.UPCOMING.value: "#5b8def",
    ConventionStatus.ACTIVE.value: "#2e9e5b",
    ConventionStatus.ENDING_SOON.value: "#f0a030",
    ConventionStatus.OVERDUE.value: "#d64545",
    ConventionStatus.CLOSED.value: "#8a8f98",
    "none": "#c8ccd2",  # a site without convention (the map)
}
AXIS_COLOURS = {1: "#1f77b4", 2: "#ff7f0e", 3: "#7b4fa0"}
