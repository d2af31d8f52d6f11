"""The ticket API, mounted at /api/v1: the customers' router (api_customer.py: their tickets and the follow-up
survey) and the agents' (api_agent.py: the queue, the conversation, the handling steps, escalation, merge and
split, canned replies). What they share — sessions, body parsing — is in api_support.py."""

from ninja import Router

from .api_agent import router as agent_router
from .api_customer import router as customer_router

router = Router()
router.add_router("", customer_router)
router.add_router("", agent_router)
