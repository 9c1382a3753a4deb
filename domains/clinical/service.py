"""The clinical domain service: the EHR's closed encounters as visit events, keyed by medical record number."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from domains.service import DomainService, Route
from mesh.core.naming import event_type

SOURCE = "/healthco/clinical/ehr"
VISITS = "visits"


class ClinicalService(DomainService):
    """Publishes EHR records; needs a publisher for `visits`."""

    system = "clinical"
    source = SOURCE  # the CloudEvent source the wiring gives this service's producers
    routes: ClassVar[Mapping[str, Route]] = {"VisitCompleted": Route(event_type("clinical", "VisitCompleted", 1), VISITS, "mrn")}
