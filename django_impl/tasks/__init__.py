"""The tasks app: the Task model and its REST API."""
