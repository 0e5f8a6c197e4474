"""Heading levels from the shape of the heading sequence (`summitsite.levels`)."""

from __future__ import annotations

from summitsite.headings import Line
from summitsite.levels import assign_levels

PROSE = "This paragraph has enough words in it to be the text of a section, not a heading of its own."


def levels(outline: list[tuple[str, int | str | tuple[str, ...]]], faq: set[str] = frozenset()) -> list[int]:
    """Levels for headings given as (text, lines under it); a string instead of a count means `n` list items,
    a tuple gives the lines' texts (list items when they start with "- ")."""
    headings, sections = [], []
    number = 0
    for text, under in outline:
        number += 1
        headings.append(Line(number, text, 0, "text", heading=True))
        if isinstance(under, str):
            lines = [Line(number + k + 1, f"- item {k}", 0, "bullet") for k in range(int(under))]
        elif isinstance(under, tuple):
            lines = [Line(number + k + 1, line, 0, "bullet" if line.startswith("- ") else "text")
                     for k, line in enumerate(under)]
        else:
            lines = [Line(number + k + 1, PROSE, 0, "text") for k in range(under)]
        number += len(lines)
        sections.append(lines)
    assign_levels(headings, sections, [h.text in faq for h in headings])
    return [h.level for h in headings]


def test_numbered_run_nests_under_the_heading_before_it() -> None:
    assert levels([("Background", 2), ("Agenda", 1), ("1. Budget", 2), ("2. Staffing", 2), ("Outlook", 2)]) \
        == [2, 2, 3, 3, 2]


def test_questions_nest_under_an_faq_heading() -> None:
    outline = [("Overview", 2), ("FAQs", 0), ("Is it safe?", 1), ("How long does it take?", 1)]
    assert levels(outline, faq={"FAQs"}) == [2, 2, 3, 3]


def test_a_bare_parent_keeps_only_sub_sections_written_like_its_first() -> None:
    # The question after two statements is not one of the bare heading's sub-sections.
    outline = [("Intro notes", 3), ("Local services", 0), ("Bus routes", 2), ("Rail lines", 2),
               ("Are shops open?", 2), ("Schools reopen next week", 2)]
    assert levels(outline) == [2, 2, 3, 3, 2, 2]


def test_closing_sections_never_nest_and_never_parent() -> None:
    outline = [("History", 2), ("Known cases", 0), ("Etymology", 1), ("See also", 0), ("Behind the scenes", 2),
               ("Appearances", 2)]
    assert levels(outline) == [2, 2, 3, 2, 2, 2]


def test_a_verdict_or_summary_box_is_never_a_sub_section() -> None:
    outline = [("How do they compare?", 0), ("Coinbase", 2), ("Coinbase Pro", 2), ("At a Glance", 2),
               ("Fees", 2), ("Final Verdict", 2)]
    assert levels(outline) == [2, 3, 3, 2, 2, 2]


def test_closing_section_ends_a_numbered_run() -> None:
    outline = [("Steps", 1), ("1. Mix", 2), ("2. Bake", 2), ("3. Conclusion", 2)]
    assert levels(outline) == [2, 3, 3, 2]


def test_recipe_card_parts_nest_under_the_card_heading() -> None:
    outline = [("Why this bread works", 3), ("How to store it", 2), ("Herb Focaccia", 1), ("For the oil", "4"),
               ("For the dough", "5"), ("Instructions", 6), ("Nutrition", 1)]
    assert levels(outline) == [2, 2, 2, 3, 3, 3, 3]


def test_groups_after_a_bare_card_part_are_its_sub_sections() -> None:
    outline = [("How to store it", 2), ("Herb Focaccia", 0), ("Ingredients", 0),
               ("Olive Oil Mix", ("- 120 ml olive oil", "- 1 tbsp herbs")),
               ("Bread Mix", ("- 300 g flour", "- 2 tsp yeast")), ("Instructions", ("- Mix the oil.", "- Knead.")),
               ("Nutrition", 1), ("Or something a bit more adventurous?", 1)]
    assert levels(outline) == [2, 2, 3, 4, 4, 3, 3, 2]


def test_one_card_word_alone_is_not_a_card() -> None:
    # "Notes" without a core part (ingredients, instructions...) is an ordinary section.
    assert levels([("Setup", 2), ("Usage", 2), ("Notes", 2)]) == [2, 2, 2]


def test_single_parent_over_everything_is_flattened() -> None:
    assert levels([("Guide", 0), ("Part one", 2), ("Part two", 2)]) == [2, 2, 2]


def test_recurring_names_are_sub_sections_of_different_parents() -> None:
    outline = [("Memory", 2), ("Tuples", 3), ("Generators", 2), ("Slots", 3), ("Iteration time", 2), ("Tuples", 1),
               ("Generators", 1), ("Map", 3), ("References", 4)]
    assert levels(outline) == [2, 3, 3, 3, 2, 3, 3, 3, 2]


def test_a_name_recurring_under_one_heading_only_says_nothing() -> None:
    assert levels([("Location Details", 2), ("Hours", 2), ("Location Details", 2)]) == [2, 2, 2]


def test_a_bare_date_is_not_a_parent() -> None:
    assert levels([("Intro", 2), ("March 3, 2021", 0), ("What you need", 2), ("Getting started", 2)]) == [2, 2, 2, 2]


def test_a_namesake_of_a_top_level_prefix_closes_the_open_group() -> None:
    outline = [("Growing Lemons: What You Need", 2), ("Day 7", 0), ("Watering", 2), ("Growing Lemons: FAQs", 1),
               ("1. Can I use store seeds?", 1), ("2. How long does it take?", 1), ("Conclusion", 2)]
    assert levels(outline, faq={"Growing Lemons: FAQs"}) == [2, 2, 3, 2, 3, 3, 2]


def test_the_last_of_a_run_of_bare_headings_is_no_parent() -> None:
    # "Quests" and "Portraits" lost their galleries to the extractor: "Timeline" is their sibling.
    outline = [("Schedule", 2), ("Quests", 0), ("Portraits", 0), ("Timeline", 2), ("Trivia", 2)]
    assert levels(outline) == [2, 2, 2, 2, 2]


def test_a_lone_bare_heading_is_still_a_parent() -> None:
    outline = [("Schedule", 2), ("Portraits", 0), ("Timeline", 2), ("Trivia", 2)]
    assert levels(outline) == [2, 2, 3, 3]


def answers(company: str) -> tuple[str, ...]:
    return (f"Are bicycles allowed? {company} accepts folding bicycles only.",
            f"Is food allowed? {company} allows cold food and soft drinks on board.")


def test_sections_opening_alike_are_sub_sections_of_the_heading_before_them() -> None:
    outline = [("General information", 3), ("Train companies", 2), ("Northern", answers("Northern")),
               ("Southern", answers("Southern")), ("Thameslink", answers("Thameslink")),
               ("Engineering works", 2)]
    assert levels(outline) == [2, 2, 3, 3, 3, 2]


def test_two_sections_opening_alike_may_be_chance() -> None:
    outline = [("General information", 3), ("Train companies", 2), ("Northern", answers("Northern")),
               ("Southern", answers("Southern")), ("Engineering works", 2)]
    assert levels(outline) == [2, 2, 2, 2, 2]


def test_sections_opening_like_the_one_before_them_are_siblings() -> None:
    outline = [("Avanti", answers("Avanti")), ("Northern", answers("Northern")), ("Southern", answers("Southern")),
               ("Thameslink", answers("Thameslink"))]
    assert levels(outline) == [2, 2, 2, 2]


def test_a_heading_capitalised_unlike_the_first_sub_section_ends_a_bare_parents_group() -> None:
    outline = [("Ethics declarations", 0), ("Conflict of Interest", 1), ("Human and Animal Rights", 1),
               ("Additional information", 2), ("Rights and permissions", 2)]
    assert levels(outline) == [2, 3, 3, 2, 2]


def test_headings_too_short_to_show_a_capitalisation_stay_in_the_group() -> None:
    outline = [("Ethics declarations", 0), ("Conflict of Interest", 1), ("Funding", 1), ("Human and Animal Rights", 1)]
    assert levels(outline) == [2, 3, 3, 3]


def test_card_parts_after_an_emptied_section_stay_at_the_top() -> None:
    # "Make with" / "Cake Mix" is a product box the extractor emptied, not the card's heading.
    outline = [("Make with", 0), ("Cake Mix", 0), ("Ingredients", "4"), ("Steps", 3), ("Expert Tips", 2)]
    assert levels(outline) == [2, 2, 2, 2, 2]
