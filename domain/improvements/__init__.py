"""The improvement pipeline: the service that starts and answers runs (`service`), the staged work a
run goes through (`pipeline`), the events it streams (`events`) and its pure text work (`text`)."""
