"""The four daily domains (mJOA subscores, Benzel 1991) and the red-flag questions.

Plain data, no Django: the check-in form, the API, the charts and the
detection rules all read their ranges and wording from here. The wording is
our own plain language built on the mJOA levels; higher is always better.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Domain:
    key: str
    label: str
    question: str
    # levels[i] describes score i, worst (0) to best.
    levels: tuple[str, ...]

    @property
    def max_score(self) -> int:
        return len(self.levels) - 1


FINE_MOTOR = Domain(
    key="fine_motor",
    label="Hands",
    question="How did your hands work today?",
    levels=(
        "I cannot move my hands",
        "I can move my hands but cannot eat with a spoon",
        "I can eat with a spoon but cannot do up buttons",
        "I can do up buttons, but only with great difficulty",
        "I can do up buttons with a little difficulty",
        "My hands work normally",
    ),
)
GAIT = Domain(
    key="gait",
    label="Walking",
    question="How was your walking and balance today?",
    levels=(
        "I cannot move or feel my legs",
        "I can feel my legs but cannot move them",
        "I can move my legs but cannot walk",
        "I can walk on flat ground only with a stick or walker",
        "I can climb stairs only holding a handrail",
        "I am clearly unsteady, but manage stairs without a handrail",
        "I am a little unsteady, but walk without help",
        "My walking is normal",
    ),
)
SENSATION = Domain(
    key="sensation",
    label="Feeling in hands",
    question="How was the feeling in your hands today?",
    levels=(
        "I have no feeling in my hands",
        "Strong numbness or pain in my hands",
        "Mild numbness in my hands",
        "Feeling in my hands is normal",
    ),
)
BLADDER = Domain(
    key="bladder",
    label="Bladder",
    question="How was your bladder today?",
    levels=(
        "I could not pass urine at all",
        "Big problems: straining, not emptying, or leaking often",
        "Some problems: rushing, going often, or leaking now and then",
        "My bladder is normal",
    ),
)

DOMAINS: tuple[Domain, ...] = (FINE_MOTOR, GAIT, SENSATION, BLADDER)
DOMAIN_KEYS: tuple[str, ...] = tuple(d.key for d in DOMAINS)
DOMAIN_BY_KEY = {d.key: d for d in DOMAINS}
TOTAL_MAX = sum(d.max_score for d in DOMAINS)  # 18, the Benzel mJOA
DOMAIN_MAX: dict[str, int] = {d.key: d.max_score for d in DOMAINS}
DOMAIN_LABELS: dict[str, str] = {d.key: d.label for d in DOMAINS}

# Minimal clinically important difference of the mJOA total (Tetreault 2015):
# the default of RuleConfig.mcid; a care team may override it.
MCID_TOTAL = 2.0


def rule_label(rule: str) -> str:
    """A rule's key as people read it: "sustained_decline" -> "sustained decline"."""
    return (rule or "").replace("_", " ")


@dataclass(frozen=True)
class RedFlag:
    key: str
    question: str
    # A few words for evidence sentences and chart labels.
    short: str


# Asked every day; any "yes" means seek care today and alerts the team at once.
RED_FLAGS: tuple[RedFlag, ...] = (
    RedFlag(
        "rf_bladder_bowel",
        "Have you suddenly lost control of your bladder or bowels, or cannot pass urine?",
        "bladder/bowel control",
    ),
    RedFlag(
        "rf_saddle_numbness",
        "Is there new numbness between your legs, around your genitals or bottom?",
        "saddle numbness",
    ),
    RedFlag(
        "rf_weakness",
        "Have your arms or legs suddenly become weaker, or your walking or hands much worse since yesterday?",
        "sudden weakness",
    ),
    RedFlag(
        "rf_fall_injury",
        "Have you fallen or hurt your neck, and feel new or worse symptoms since?",
        "fall or neck injury",
    ),
    RedFlag("rf_breathing", "Are you having difficulty breathing?", "difficulty breathing"),
)
RED_FLAG_KEYS: tuple[str, ...] = tuple(f.key for f in RED_FLAGS)
RED_FLAG_LABELS: dict[str, str] = {f.key: f.short for f in RED_FLAGS}

NUMBNESS_LOCATIONS = (("hands", "Hands"), ("arms", "Arms"), ("legs", "Legs"), ("feet", "Feet"))


def severity_of_total(total: int) -> str:
    """mJOA severity band (Tetreault et al., 2017)."""
    if total >= 18:
        return "normal"
    if total >= 15:
        return "mild"
    if total >= 12:
        return "moderate"
    return "severe"
