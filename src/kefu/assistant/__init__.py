"""The smart assistant (智能客服) and the knowledge base: FAQ, understanding, answers from the customer's data."""
