"""Generated documents: the service that makes, stores and lists them (`service`) and the pure word
work that goes into them (`text`)."""
