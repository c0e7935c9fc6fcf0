"""Names of the API schema's choice sets (``ENUM_NAME_OVERRIDES``).

Every module has a ``status``; spectacular needs an importable path for each
choice set to give it its own name, and nested model classes are not
importable by path, so they are aliased here.
"""

from consultations.models import DraftDecision, Proposal, Survey
from ideas.models import Idea
from opencity.models import Report
from participatory_budget.models import Project
from petitions.models import Addressee, Petition

# The council, the mayor and the executive committee: a petition's addressee
# and the body deciding a draft share one choice set.
DecisionBody = Addressee
PetitionStatus = Petition.Status
ProjectStatus = Project.Status
ReportStatus = Report.Status
IdeaStatus = Idea.Status
DraftDecisionStatus = DraftDecision.Status
ProposalStatus = Proposal.Status
# Surveys and quizzes go through the same stages (draft, open, closed).
QuestionnaireStatus = Survey.Status
