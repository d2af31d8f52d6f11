"""Every write of live chat: conversations.py (start, end, transfer, leave a message, open a ticket),
messages.py (text, images, read receipts), dispatch.py (routing the line through the ACD), agents.py (presence
as the chat sees it). Views, consumers, the API and duties all call these."""
