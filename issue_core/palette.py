"""One colour per convention status and per axis, used by every table and chart."""

STATUS_COLOURS = {
    "upcoming": "#5b8def",
    "active": "#2e9e5b",
    "ending_soon": "#f0a030",
    "overdue": "#d64545",
    "closed": "#8a8f98",
    "none": "#c8ccd2",
}
AXIS_COLOURS = {1: "#1f77b4", 2: "#ff7f0e", 3: "#7b4fa0"}
