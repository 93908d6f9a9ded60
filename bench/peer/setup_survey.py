"""Run with the peer's Python (bench/run.py does): makes the peer's survey of 40 questions,
each on the same five-point scale as dialoog's statements, all on one page, answered
without logging in (as a teacher follows dialoog's link). Prints the survey's id."""

import django

django.setup()

from survey.models import Question, Survey  # noqa: E402

NAME = "Benchmark: 40 questions"
survey = Survey.objects.filter(name=NAME).first()
if survey is None:
    survey = Survey.objects.create(
        name=NAME,
        description="The peer's complete questionnaire",
        is_published=True,
        need_logged_user=False,
        editable_answers=False,
        display_method=Survey.ALL_IN_ONE_PAGE,
        template=None,
    )
    for order in range(40):
        Question.objects.create(
            survey=survey,
            text=f"Statement {order + 1}: in our team we say what we think.",
            order=order,
            required=True,
            type=Question.RADIO,
            choices="1,2,3,4,5",
        )
print(survey.pk)
