"""The app's policy: every threshold, window and limit a person could want to change, named once, with why.

Users import the names from here (`from issue_core.policy import X`), or read them as `policy.X`
where a test lowers them (monkeypatch.setattr(policy, "X", ...)). Technical constants that are not a
choice (ONE_DAY, FAR_FUTURE, CENT, Excel's row limit, bcrypt's 72 bytes) stay next to their code.
"""

from datetime import date, timedelta
from decimal import Decimal

# Money
ARREARS_THRESHOLD = Decimal("50.00")  # a household owing more than this is "in arrears" (alerts, page default)
MAX_MONEY = Decimal("1000000")  # the largest amount taken (1 000 000 €): a typo's extra zeros are refused
MAX_MONTHS_PER_PAYMENT = 24  # one payment covers at most two years of months: more is a mistake
PAYMENT_MONTHS_AHEAD = 2  # the payment form offers the next months too (paid in advance)
DUPLICATE_PAYMENT_WINDOW = timedelta(minutes=10)  # the same payment again this soon asks "twice?" first

# Occupancy alerts
VACANT_ALERT_DAYS = 30  # a unit vacant longer than this is an alert (overview, board, meeting screen)
BOARD_SITES_PER_PAGE = 20  # sites on one page of the occupancy board: ~20 units a site (10,000 units over
# 500 sites at sector scale) keeps a page to a few hundred tiles, drawn at once; a page number reaches the rest

# Waiting list and matching (pages/waiting_list.py)
MATCHING_HORIZON_DAYS = 30  # a unit whose stay ends within this many days is matched already, as a vacant one
CANDIDATES_PER_UNIT = 5  # the best-fitting waiting households listed per unit: enough to choose, short to read
WAITING_UNITS_PER_PAGE = 20  # units drawn at once with their candidates; a page number reaches the others

# Data quality (pages/data_quality.py, queries/metrics/data_quality.py)
DATA_QUALITY_INACTIVE_MONTHS = 6  # a household waiting this long without any activity is a file to review
DATA_QUALITY_LIST_LIMIT = 20  # problems listed per check (all are counted): a day's work, short to read
DATA_QUALITY_SCORE_MONTHS = 12  # the score per partner over the month ends of the last year

# Conventions
DEFAULT_WARNING_DAYS = 180  # a convention ending within 6 months is "ending soon": time to renegotiate
EXTENSION_PROPOSED_DAYS = 180  # extending a convention proposes its planned end + 6 months

# Screens: key figures, periods, pages
COMPARISON_DAYS = 30  # each key figure shows its change since this many days earlier
UTILISATION_DAYS = 90  # the overview's utilisation covers the last quarter
FLOW_DAYS = 30  # entries and exits counted over the last month
DEFAULT_PERIOD_DAYS = 365  # the dashboards' period filter starts with the last year
TIMELINE_SINCE = date(2020, 1, 1)  # the timeline starts with the programme (its first conventions, 02/2020)
TIMELINE_CONVENTIONS_PER_PAGE = 40  # conventions drawn at once on the timeline (500 sites at sector scale: 600 bars
# would make a chart metres tall); a page number reaches the others
AUDIT_DEFAULT_DAYS = 30  # the audit log opens on the last month
AUDIT_PAGE_SIZE = 500  # audit rows shown at once: the filters narrow the rest down
ALERT_MAX_REFERENCES = 10  # household references listed in one alert before "and N more"
ALERT_MAX_LINES = 10  # cases listed one per line in an alert (and their site links) before "and N more": at a glance
SITE_LINKS_MAX = 40  # links to site pages under a map, a timeline, an alert: the sites list has them all
ORGANISATION_LIST_ROWS = 20  # rows of each list on "My organisation" before "and N more": the rest on its page

# Meeting screen
MEETING_DEFAULT_SECONDS = 15  # each slide shows this long, unless changed in the sidebar
MEETING_MIN_SECONDS = 5  # shorter cannot be read from across the room
MEETING_MAX_SECONDS = 60  # the data refresh rides on the rotation: at most a minute old
MEETING_SINCE_DAYS = 7  # "what changed since" starts a week ago: the last weekly meeting
MEETING_FULL_RUN_SECONDS = 15 * 60  # the wall re-checks its sign-in and today's date this often

# Undo and editing
UNDO_MINUTES = 10  # a change can be undone this long by its author
UNDO_WINDOW = timedelta(minutes=UNDO_MINUTES)
MAX_RECENT_CHANGES = 10  # the recent undoable changes listed on an editing page
MAX_PEOPLE = 20  # adults (or children) of one household: more is a typing mistake
MAX_TEXT = 300  # characters of a short text field (names, reasons)
MAX_NOTES = 2000  # characters of a notes field
SEARCH_LIMIT = 50  # matches a "find by typing" choice offers (a household, a stay): more asks to type more
HOUSEHOLD_PAGE_SIZE = 200  # rows of the households list at once; a page number reaches the others

# Security and sessions
PASSWORD_MIN_LENGTH = 12  # characters of a password at least
SESSION_LIFETIME = timedelta(hours=12)  # a sign-in lasts a working day at most
IDLE_TIMEOUT = timedelta(minutes=30)  # a session unused this long ends (a shared office computer)
SCREEN_COOKIE_LIFETIME = timedelta(days=365)  # a wall signed in with a screen token; its token outlives it
LOCKOUT_FAILURES = 10  # wrong passwords within LOCKOUT_WINDOW that lock the account
LOCKOUT_WINDOW = timedelta(minutes=15)  # failures further apart than this start the count again
LOCKOUT_DURATION = timedelta(minutes=15)  # how long a locked account (or address) stays locked
ADDRESS_FAILURES = 30  # refused attempts from one client address (same window and duration): guessing many names

# Import and report limits
IMPORT_MAX_FILE_MB = 10  # a partner's spreadsheet is far smaller; more is a wrong file
IMPORT_MAX_FILE_BYTES = IMPORT_MAX_FILE_MB * 1024 * 1024
IMPORT_MAX_UNPACKED_BYTES = 50 * 1024 * 1024  # an XLSX's members once unpacked, together (zip bombs)
IMPORT_MAX_ROWS = 20_000  # rows of one file, all its tables together (header rows not counted)
IMPORT_MAX_SHEET_CELLS = 1_000_000  # the size a sheet declares, rows × columns, checked before reading it
IMPORT_MAX_CSV_COLUMNS = 100  # the widest template has far fewer
IMPORT_MAX_CELL_CHARS = MAX_NOTES  # no field takes a longer text
SMALL_COUNT_LIMIT = 5  # counts from 1 to below this are hidden ("<5") in a report shared outside
REPORT_MAX_YEARS = 20  # a command-line report period at most: the page's date picker reaches today ± 10 years

# Cache warming (issue_core/ui/data.py): after a write, the reads viewers made recently are computed again in the
# background, so the next viewer of a dashboard finds it warm instead of waiting for its slowest metrics.
WARM_READS_KEPT = 64  # the most recent distinct reads kept to warm again (the dashboards' reads at their defaults)
WARM_READS_MAX_AGE = timedelta(hours=2)  # a read nobody made for this long is not warmed any more
WARM_CHECK_SECONDS = 5.0  # how often a server process looks for a write (of any process) to warm after
SIDE_BY_SIDE_READS = 3  # reads run at once (db.read_side_by_side: a page's cold reads, a report's sections): the
# SQL of one runs while another turns its rows into a frame; more would only queue on two cores
PREFETCH_KEYS_KEPT = 1024  # the reads a process remembers as computed, to prefetch only the cold ones

# Database time limits
READ_TIME_LIMIT_SECONDS = 20.0  # a page's read is stopped after this long (tests lower it)
SQLITE_BUSY_TIMEOUT_MS = 15_000  # a write waits this long for SQLite's write lock before "busy, try again"
