"""Who sees what in the test world (tests/conftest.py `world`): the one matrix every estate test reads."""

ALL = ["admin", "manager", "finance", "tech", "carer", "resident", "auditor",
       "other_manager", "other_resident", "other_auditor"]

# Which estates each user sees.
ESTATES = {
    "admin": {"YJL", "HXY"}, "manager": {"YJL"}, "finance": {"YJL"}, "tech": {"YJL"},
    "carer": {"YJL"}, "resident": {"YJL"}, "auditor": {"YJL"}, "other_manager": {"HXY"},
    "other_resident": {"HXY"}, "other_auditor": {"HXY"},
}
# Which rooms each user may open.
ROOMS = {
    "admin": {"YJL-3-2-501", "YJL-3-2-502", "HXY-1-1-101"},
    "manager": {"YJL-3-2-501", "YJL-3-2-502"}, "finance": {"YJL-3-2-501", "YJL-3-2-502"},
    "tech": {"YJL-3-2-501", "YJL-3-2-502"}, "carer": {"YJL-3-2-501", "YJL-3-2-502"},
    "resident": {"YJL-3-2-501"}, "auditor": {"YJL-3-2-501", "YJL-3-2-502"},
    "other_manager": {"HXY-1-1-101"}, "other_resident": {"HXY-1-1-101"},
    "other_auditor": {"HXY-1-1-101"},
}
