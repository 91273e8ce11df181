"""Records a teacher submits beside the portfolio (集中培训, 公开课/示范课) and the school's
verification of evidence.

- ``facts``: items of the ledger kinds → the rules' facts and their decisions (the 学时台账 and
  the item pages read them);
- ``links``: a 讲稿 naming a training (``metadata.activity_id``) is checked against the activity;
- ``verification``: admins verify or refuse an item's evidence;
- ``queue``: the items waiting (imported apart: it reads the item views).
"""

from .facts import item_lines, submitted_codes, submitted_facts
from .links import check_activity_link
from .verification import may_verify, reset_verification, set_verification, verifiable_kinds

__all__ = ["check_activity_link", "item_lines", "may_verify", "reset_verification", "set_verification",
           "submitted_codes", "submitted_facts", "verifiable_kinds"]
