"""The member-360 aggregate of the care domain: pure fold, view semantics, identity resolution, state codec."""
