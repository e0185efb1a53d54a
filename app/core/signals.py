"""What happened, announced by the service that made it happen, for the features that react to it.

A service sends a signal with the changed object as the sender, after it has flushed the change and
inside its own transaction; every receiver runs there and then, synchronously, in the same session, so
what it writes is committed or rolled back with the change itself. Receivers are connected by each
reacting package's ``connect_signals()``, which ``create_app`` calls, so they react alike in the web,
the command line and the tests. No receiver depends on another having run: each recomputes or records
from the rows as they are, so their order does not matter.

The emitting package never imports the reacting one: learning and shopping know nothing of the roll-ups
or the notices that follow from their results, and people nothing of the API's tokens.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# sender: the QuizAttempt just finished (scored, with its department and finish time).
attempt_finished = _signals.signal("attempt-finished")

# sender: the list of QuizAttempts whose score a new version of their quiz changed.
attempts_regraded = _signals.signal("attempts-regraded")

# sender: the list of new Assignments (each reaching its person or its department subtree).
assignments_created = _signals.signal("assignments-created")

# sender: the list of Assignments just withdrawn; keywords ``now``: when, ``reason``: "overturned" (the
# training loop took back what an overturned item had assigned) or "cancelled" (by a trainer or HR).
assignments_withdrawn = _signals.signal("assignments-withdrawn")

# sender: the list of Visits that just got their shopper (scheduled to one, or claimed).
visits_assigned = _signals.signal("visits-assigned")

# sender: the Scorecard just approved, returned or rejected (its status already changed, the training
# loop already run).
card_reviewed = _signals.signal("card-reviewed")

# sender: the Dispute just accepted or rejected (an accepted one has already rescored its card).
dispute_settled = _signals.signal("dispute-settled")

# sender: the coaching Action just opened for a department's managers after a failed card.
action_opened = _signals.signal("action-opened")

# sender: the User whose standing access must end (deactivated, or a password changed or reset);
# keyword ``actor``: who did it. The sessions are ended by the people services themselves.
access_revoked = _signals.signal("access-revoked")
