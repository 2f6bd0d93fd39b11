from . import test_immutability
from . import test_referral
from . import test_review
from . import test_security
from . import test_process
from . import test_process_race
