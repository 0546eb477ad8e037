"""Question import/export formats (cxacademy.authoring.formats): pure functions, no app needed."""
from __future__ import annotations

import codecs
import xml.etree.ElementTree as ET
from types import SimpleNamespace

import pytest

from cxacademy.authoring import formats
from cxacademy.authoring.formats import (
    MAX_BYTES,
    FormatError,
    ImportedOption,
    ImportedQuestion,
    decode_upload,
    export_gift,
    export_moodle_xml,
    parse_aiken,
    parse_csv,
    parse_gift,
    parse_moodle_xml,
)

TURKISH = "Müşteri şikâyeti ığ"


def key(question) -> tuple:
    """What a round trip must keep: type, stem, options (text, correct, rationale) and explanation."""
    return (question.type, question.stem, [(o.text, o.correct, o.rationale) for o in question.options],
            question.explanation)


def lines_of(result) -> list[int]:
    return [line for line, _message in result.problems]


# --- decode_upload ------------------------------------------------------------------------------

def test_decode_reads_utf8_without_bom():
    assert decode_upload(f"{TURKISH}\n".encode("utf-8")) == f"{TURKISH}\n"


def test_decode_drops_the_utf8_bom():
    assert decode_upload(codecs.BOM_UTF8 + TURKISH.encode("utf-8")) == TURKISH


def test_decode_falls_back_to_windows_1254_for_turkish_text():
    data = f"{TURKISH}; Çağrı merkezi, İş ortağı\r\n".encode("cp1254")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert decode_upload(data) == f"{TURKISH}; Çağrı merkezi, İş ortağı\r\n"


def test_decode_refuses_data_with_nul_bytes_as_not_text():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10"
    with pytest.raises(FormatError) as raised:
        decode_upload(png)
    assert raised.value.code == "not_text"
    assert raised.value.args[0] == "not_text"  # what the route reads


def test_decode_refuses_data_full_of_control_characters_as_not_text():
    with pytest.raises(FormatError, match="not_text"):
        decode_upload(bytes(range(1, 32)) * 20)


def test_decode_refuses_bytes_that_are_neither_utf8_nor_windows_1254():
    with pytest.raises(FormatError, match="not_text"):
        decode_upload(b"question \x81\x8d")  # undefined in Windows-1254, invalid in UTF-8


def test_decode_tolerates_a_single_stray_control_character():
    assert decode_upload(b"Question?{T}\n\x1a") == "Question?{T}\n\x1a"


def test_decode_refuses_more_than_one_megabyte_as_too_large():
    assert len(decode_upload(b"a" * MAX_BYTES)) == MAX_BYTES
    with pytest.raises(FormatError) as raised:
        decode_upload(b"a" * (MAX_BYTES + 1))
    assert raised.value.code == "too_large"


# --- GIFT ---------------------------------------------------------------------------------------

GIFT_SAMPLE = """\
// question: 0  name: Switch category to $course$/top/CX fundamentals
$CATEGORY: $course$/top/CX fundamentals

// question: 101  name: fund-001
::fund-001::A telecom operator sees churn rise after a price change. Which signal shows the effect on loyalty first?{
\t=Customer churn rate#Right\\: churn is what customers do, not what they say.
\t~Average handling time#No, that measures the contact centre.
\t~Number of products sold #No, volume lags behind loyalty.
\t####Behaviour shows loyalty before a survey does.
}

// multiple answers
::fund-002::Which of these are voice-of-the-customer sources?{
\t~%50%Complaint logs#Yes: unsolicited feedback.
\t~%50%Relationship surveys#Yes: solicited feedback.
\t~%-100%The annual report#No, it speaks for the company.
}

::fund-003::The Net Promoter Score question asks how likely a customer is to recommend the company.{T#It asks exactly that.#Right, that is the NPS question.}

{TURKISH} bir maliyettir\\: formül a \\= b, \\{x\\} \\~ y \\#1{{FALSE####Şikâyet, sadakat için bir fırsattır.}}
""".replace("{TURKISH}", TURKISH).replace("{{", "{").replace("}}", "}")


def test_gift_reads_single_multiple_and_true_false_questions_with_feedback():
    result = parse_gift(GIFT_SAMPLE)
    assert result.problems == []
    single, multiple, true_q, false_q = result.questions

    assert single.type == "single" and single.source_line == 5
    assert single.stem == ("A telecom operator sees churn rise after a price change. "
                           "Which signal shows the effect on loyalty first?")
    assert [(o.text, o.correct) for o in single.options] == [
        ("Customer churn rate", True), ("Average handling time", False), ("Number of products sold", False)]
    assert single.options[0].rationale == "Right: churn is what customers do, not what they say."
    assert single.explanation == "Behaviour shows loyalty before a survey does."

    assert multiple.type == "multiple" and multiple.source_line == 13
    assert [(o.text, o.correct) for o in multiple.options] == [
        ("Complaint logs", True), ("Relationship surveys", True), ("The annual report", False)]
    assert multiple.options[2].rationale == "No, it speaks for the company."
    assert multiple.explanation == ""

    assert true_q.type == "true_false" and true_q.source_line == 19
    # Moodle's order: the first feedback is for the wrong answer, the second for the right one.
    assert [(o.text, o.correct, o.rationale) for o in true_q.options] == [
        ("True", True, "Right, that is the NPS question."), ("False", False, "It asks exactly that.")]

    assert false_q.type == "true_false" and false_q.source_line == 21
    assert false_q.stem == f"{TURKISH} bir maliyettir: formül a = b, {{x}} ~ y #1"
    assert [(o.text, o.correct) for o in false_q.options] == [("True", False), ("False", True)]
    assert false_q.explanation == "Şikâyet, sadakat için bir fırsattır."


GIFT_WITH_ERRORS = """\
::ok-1::First question?{=right ~wrong}

::broken::Second question, the brace is never closed?{=right ~wrong

::ok-2::Third question?{
=right
~wrong
}

// the unsupported types
What is two plus two?{=four =4}

Match the channel to its metric.{=Survey -> NPS =Call -> AHT =Chat -> CSAT}

In which year was the first NPS article published?{#2003}

Describe a moment of truth in your own words.{}

A heading without any answers.
"""


def test_gift_reports_unreadable_and_unsupported_questions_at_their_line_and_keeps_the_rest():
    result = parse_gift(GIFT_WITH_ERRORS)
    assert [q.stem for q in result.questions] == ["First question?", "Third question?"]
    assert [q.source_line for q in result.questions] == [1, 5]
    assert lines_of(result) == [3, 11, 13, 15, 17, 19]
    messages = dict(result.problems)
    assert "braces" in messages[3]
    assert messages[11].startswith("short-answer questions are not supported")
    assert messages[13].startswith("matching questions are not supported")
    assert messages[15].startswith("numerical questions are not supported")
    assert messages[17].startswith("essay questions are not supported")
    assert "description" in messages[19]


def test_gift_applies_the_checker_rules_to_the_answer_key():
    result = parse_gift(
        "Two right answers in a single question?{=a =b ~c}\n\n"
        "Only one positive weight in a multiple question?{~%100%a ~b ~c}\n\n"
        "Every answer right?{~%50%a ~%50%b}\n\n"
        "Only one answer?{=a ~}\n\n"
        "Fine?{=yes ~no}\n")
    assert [q.stem for q in result.questions] == ["Fine?"]
    assert result.problems == [
        (1, "a single question needs exactly one correct option, found 2"),
        (3, "a multiple question needs at least two correct options and at least one wrong one"),
        (5, "a multiple question needs at least two correct options and at least one wrong one"),
        (7, "every option needs a text"),
    ]


def test_gift_refuses_partial_credit_in_a_single_answer_question():
    result = parse_gift("Which is best?{=full ~%50%half ~none}")
    assert result.questions == []
    assert result.problems[0][0] == 1 and "partial credit" in result.problems[0][1]


def test_gift_missing_word_questions_get_a_blank_in_the_stem():
    result = parse_gift("Customers judge a service by its {~price =peak and end ~length} moments.")
    assert result.questions[0].stem == "Customers judge a service by its _____ moments."


def test_gift_html_format_is_read_as_plain_text():
    result = parse_gift("::q::[html]<p>Which is <b>right</b> &amp; fair?</p>{=<i>This</i> one#<p>Yes</p> ~That}")
    question = result.questions[0]
    assert question.stem == "Which is right & fair?"
    assert [(o.text, o.rationale) for o in question.options] == [("This one", "Yes"), ("That", "")]


def test_gift_comment_lines_are_ignored_even_inside_a_question():
    result = parse_gift("// first\nQuestion?{\n// a note for authors\n=yes\n~no\n}\n")
    assert [o.text for o in result.questions[0].options] == ["yes", "no"]
    assert result.questions[0].source_line == 2


# --- Moodle XML ---------------------------------------------------------------------------------

MOODLE_XML_SAMPLE = """\
<?xml version="1.0" encoding="UTF-8"?>
<quiz>
<!-- question: 0  -->
  <question type="category">
    <category><text>$course$/top/CX fundamentals</text></category>
  </question>
  <question type="multichoice">
    <name><text>fund-001</text></name>
    <questiontext format="html">
      <text><![CDATA[<p>A telecom operator sees churn rise. Which signal shows the effect on <strong>loyalty</strong> first?</p>]]></text>
    </questiontext>
    <generalfeedback format="html"><text><![CDATA[<p>Behaviour shows loyalty before a survey does.</p>]]></text></generalfeedback>
    <defaultgrade>1.0000000</defaultgrade>
    <penalty>0.3333333</penalty>
    <hidden>0</hidden>
    <single>true</single>
    <shuffleanswers>true</shuffleanswers>
    <answernumbering>abc</answernumbering>
    <answer fraction="100" format="html"><text><![CDATA[<p>Customer churn rate</p>]]></text>
      <feedback format="html"><text><![CDATA[<p>Right: it is what customers do.</p>]]></text></feedback></answer>
    <answer fraction="0" format="html"><text>Average handling time</text>
      <feedback format="html"><text>No, that measures the contact centre.</text></feedback></answer>
  </question>
  <question type="multichoice">
    <name><text>fund-002</text></name>
    <questiontext format="html"><text>Which are voice-of-the-customer sources?</text></questiontext>
    <generalfeedback format="html"><text></text></generalfeedback>
    <single>false</single>
    <answer fraction="50" format="html"><text>Complaint logs</text><feedback><text>Yes.</text></feedback></answer>
    <answer fraction="50" format="html"><text>Relationship surveys</text><feedback><text>Yes.</text></feedback></answer>
    <answer fraction="-100" format="html"><text>The annual report</text><feedback><text>No.</text></feedback></answer>
  </question>
  <question type="truefalse">
    <name><text>fund-003</text></name>
    <questiontext format="html"><text>&lt;p&gt;Müşteri şikâyeti ığ: complaints are a cost and nothing else.&lt;/p&gt;</text></questiontext>
    <generalfeedback format="html"><text>Complaints are a chance to keep the customer.</text></generalfeedback>
    <answer fraction="0" format="moodle_auto_format"><text>true</text><feedback format="html"><text>No: they are a chance.</text></feedback></answer>
    <answer fraction="100" format="moodle_auto_format"><text>false</text><feedback format="html"><text>Right.</text></feedback></answer>
  </question>
  <question type="shortanswer">
    <name><text>fund-004</text></name>
    <questiontext format="html"><text>Name the metric.</text></questiontext>
    <answer fraction="100"><text>NPS</text></answer>
  </question>
  <question type="multichoice">
    <questiontext format="html"><text>Nobody is right here?</text></questiontext>
    <answer fraction="0"><text>a</text></answer>
    <answer fraction="0"><text>b</text></answer>
  </question>
</quiz>
"""


def test_moodle_xml_reads_multichoice_and_truefalse_as_plain_text():
    result = parse_moodle_xml(MOODLE_XML_SAMPLE)
    single, multiple, true_false = result.questions

    assert single.type == "single" and single.source_line == 7
    assert single.stem == "A telecom operator sees churn rise. Which signal shows the effect on loyalty first?"
    assert [(o.text, o.correct, o.rationale) for o in single.options] == [
        ("Customer churn rate", True, "Right: it is what customers do."),
        ("Average handling time", False, "No, that measures the contact centre.")]
    assert single.explanation == "Behaviour shows loyalty before a survey does."

    assert multiple.type == "multiple" and multiple.source_line == 24
    assert [(o.text, o.correct) for o in multiple.options] == [
        ("Complaint logs", True), ("Relationship surveys", True), ("The annual report", False)]

    assert true_false.type == "true_false" and true_false.source_line == 33
    assert true_false.stem == f"{TURKISH}: complaints are a cost and nothing else."
    assert [(o.text, o.correct, o.rationale) for o in true_false.options] == [
        ("True", False, "No: they are a chance."), ("False", True, "Right.")]


def test_moodle_xml_reports_unsupported_types_and_broken_keys_at_the_question_line():
    result = parse_moodle_xml(MOODLE_XML_SAMPLE)
    assert result.problems == [
        (40, "'shortanswer' questions are not supported (only multichoice and truefalse)"),
        (45, "a single question needs exactly one correct option, found 0"),
    ]


def test_moodle_xml_malformed_document_is_reported_with_its_line():
    text = ('<?xml version="1.0"?>\n<quiz>\n  <question type="multichoice">\n'
            '    <questiontext><text>Q?</text></questiontext>\n'
            '    <answer fraction="100"><text>a</answer>\n  </question>\n</quiz>\n')
    result = parse_moodle_xml(text)
    assert result.questions == []
    assert len(result.problems) == 1
    line, message = result.problems[0]
    assert line == 5
    assert message.startswith("malformed XML: mismatched tag")


def test_moodle_xml_with_an_external_entity_is_refused_without_parsing():
    xxe = ('<?xml version="1.0"?>\n<!DOCTYPE quiz [\n  <!ENTITY secret SYSTEM "file:///etc/passwd">\n]>\n'
           '<quiz><question type="truefalse"><questiontext><text>&secret;</text></questiontext>'
           '<answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text></answer>'
           '</question></quiz>')
    result = parse_moodle_xml(xxe)
    assert result.questions == []
    assert result.problems == [(2, "DOCTYPE and ENTITY declarations are not allowed in an imported file")]


def test_moodle_xml_entity_expansion_bomb_is_refused_whatever_the_case():
    bomb = ('<?xml version="1.0"?>\n<!doctype lolz [<!entity lol "lol">'
            + "".join(f'<!entity lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'
                      for i in range(1, 10))
            + ']>\n<quiz>&lol9;</quiz>')
    result = parse_moodle_xml(bomb)
    assert result.questions == []
    assert result.problems[0][0] == 2 and "DOCTYPE" in result.problems[0][1]


def test_xml_parser_itself_refuses_document_type_declarations():
    with pytest.raises(formats._XmlRefused):
        formats._xml_tree('<!DOCTYPE quiz [<!ENTITY x "y">]><quiz>&x;</quiz>')


def test_moodle_xml_other_documents_are_not_a_quiz():
    assert parse_moodle_xml("<html><body/></html>").problems == [(1, "the document is <html>, not a Moodle <quiz>")]


def test_moodle_xml_refuses_partial_credit_in_a_single_answer_question():
    result = parse_moodle_xml('<quiz>\n<question type="multichoice"><questiontext><text>Q?</text></questiontext>'
                              '<answer fraction="100"><text>a</text></answer>'
                              '<answer fraction="50"><text>b</text></answer></question></quiz>')
    assert result.questions == [] and result.problems[0][0] == 2 and "partial credit" in result.problems[0][1]


# --- Aiken --------------------------------------------------------------------------------------

AIKEN_SAMPLE = f"""\
Which channel do most customers prefer for complaints?
A. Email
B. Phone
C. Social media
ANSWER: B

{TURKISH} hangi ölçütle izlenir?
A) NPS
B) Şikâyet çözüm süresi
ANSWER: B
"""


def test_aiken_reads_questions_with_dot_or_bracket_options():
    result = parse_aiken(AIKEN_SAMPLE)
    assert result.problems == []
    first, second = result.questions
    assert (first.type, first.stem, first.source_line) == (
        "single", "Which channel do most customers prefer for complaints?", 1)
    assert [(o.text, o.correct, o.rationale) for o in first.options] == [
        ("Email", False, ""), ("Phone", True, ""), ("Social media", False, "")]
    assert (second.stem, second.source_line) == (f"{TURKISH} hangi ölçütle izlenir?", 7)
    assert [(o.text, o.correct) for o in second.options] == [("NPS", False), ("Şikâyet çözüm süresi", True)]


def test_aiken_errors_are_reported_at_the_question_line_and_reading_goes_on():
    text = """\
First question, fine?
A. yes
B. no
ANSWER: A

Second question names a missing option?
A. yes
B. no
ANSWER: D

Third question skips a letter?
A. yes
C. no
ANSWER: A

Fourth question has no answer line?
A. yes
B. no

Fifth question, fine?
A. one
B. two
ANSWER: b
"""
    result = parse_aiken(text)
    assert [q.stem for q in result.questions] == ["First question, fine?", "Fifth question, fine?"]
    assert [o.correct for o in result.questions[1].options] == [False, True]
    assert lines_of(result) == [6, 11, 16]
    messages = dict(result.problems)
    assert messages[6] == "line 9: ANSWER 'D' is not one of the options A, B"
    assert "option C where B was expected" in messages[11]
    assert "no ANSWER" in messages[16]


def test_aiken_question_at_end_of_file_without_answer_is_reported():
    result = parse_aiken("Fine?\nA. a\nB. b\nANSWER: A\n\nUnfinished?\nA. a\nB. b\n")
    assert len(result.questions) == 1
    assert result.problems == [(6, "the question has no ANSWER: line")]


# --- CSV ----------------------------------------------------------------------------------------

CSV_HEADER = ("type,stem,option_a,option_b,option_c,option_d,option_e,option_f,correct,explanation,"
              "rationale_a,rationale_b,rationale_c,rationale_d,rationale_e,rationale_f\n")


def test_csv_reads_the_documented_layout():
    text = CSV_HEADER + (
        'single,"A telecom operator sees churn rise, after a price change. Which signal comes first?",'
        'Churn rate,Handling time,Products sold,,,,b,Behaviour comes first.,'
        'Wrong: it lags.,"Right: it is\nwhat customers do.",Wrong: volume lags.,,,\n'
        f'multiple,Which are VoC sources?,Complaint logs,Surveys,Annual report,,,,a;b,,Yes.,Yes.,No.,,,\n'
        f'true_false,{TURKISH} bir fırsattır.,,,,,,,a,Şikâyet sadakat getirir.,Doğru.,Yanlış.,,,,\n')
    result = parse_csv(text)
    assert result.problems == []
    single, multiple, true_false = result.questions
    assert single.source_line == 2 and single.type == "single"
    assert single.stem == "A telecom operator sees churn rise, after a price change. Which signal comes first?"
    assert [(o.text, o.correct, o.rationale) for o in single.options] == [
        ("Churn rate", False, "Wrong: it lags."), ("Handling time", True, "Right: it is\nwhat customers do."),
        ("Products sold", False, "Wrong: volume lags.")]
    assert single.explanation == "Behaviour comes first."
    assert multiple.source_line == 4  # the quoted line break above spans lines 2 and 3
    assert [o.correct for o in multiple.options] == [True, True, False]
    assert true_false.source_line == 5
    assert [(o.text, o.correct, o.rationale) for o in true_false.options] == [
        ("True", True, "Doğru."), ("False", False, "Yanlış.")]


def test_csv_rows_that_break_the_rules_are_reported_with_their_line_and_others_still_read():
    text = CSV_HEADER + (
        "single,Two right answers?,a,b,c,,,,a;b,,,,,,,\n"
        "multiple,Only one right answer?,a,b,c,,,,a,,,,,,,\n"
        "multiple,Every answer right?,a,b,,,,,a;b,,,,,,,\n"
        "single,Just one option?,a,,,,,,a,,,,,,,\n"
        "single,,a,b,,,,,a,,,,,,,\n"
        "single,Names an empty option?,a,b,,,,,c,,,,,,,\n"
        "single,A gap in the options?,a,,c,,,,a,,,,,,,\n"
        "essay,Unknown type?,a,b,,,,,a,,,,,,,\n"
        "\n"
        "single,Fine?,yes,no,,,,,a,,,,,,,\n")
    result = parse_csv(text)
    assert [(q.stem, q.source_line) for q in result.questions] == [("Fine?", 11)]
    assert result.problems == [
        (2, "a single question needs exactly one correct option, found 2"),
        (3, "a multiple question needs at least two correct options and at least one wrong one"),
        (4, "a multiple question needs at least two correct options and at least one wrong one"),
        (5, "a question needs at least two options"),
        (6, "the question has no text"),
        (7, "correct names 'c', which is not a filled option (a, b)"),
        (8, "option_b is empty but a later option is filled: fill the options from a on"),
        (9, "unknown type 'essay' (one of: single, multiple, true_false)"),
    ]


def test_csv_needs_a_header_row():
    result = parse_csv("single,Question?,a,b,,,,,a,,,,,,,\n")
    assert result.questions == []
    assert result.problems[0][0] == 1 and "header row" in result.problems[0][1]


def test_csv_columns_are_found_by_name_and_semicolon_files_are_read():
    text = "Stem;Type;Option_A;Option_B;Correct\nHangisi doğru?;single;Evet;Hayır;a\n"
    result = parse_csv(text)
    assert result.problems == []
    assert key(result.questions[0]) == ("single", "Hangisi doğru?", [("Evet", True, ""), ("Hayır", False, "")], "")


def test_csv_true_false_options_must_be_true_and_false():
    result = parse_csv("type,stem,option_a,option_b,option_c,correct\n"
                       "true_false,Q?,Yes,No,,a\n"
                       "true_false,Q2?,True,False,Maybe,a\n")
    assert result.questions == []
    assert lines_of(result) == [2, 3]


# --- Export and round trips ---------------------------------------------------------------------

def _question(qtype, stem, options, explanation=""):
    return ImportedQuestion(qtype, stem, [ImportedOption(*o) for o in options], explanation, 0)


ROUND_TRIP = [
    _question("single", f"{TURKISH}: which formula is right? NPS = promoters − detractors {{in %}} ~ #1 a:b",
              [("Promoters minus detractors", True, "Right: {P} − {D} = NPS # and ~ are fine."),
               ("%10% of customers", False, "Wrong: a share, written with a backslash \\ and a colon: here."),
               ("[html] <b>looks</b> like markup & isn't", False, "Line one\nline two"),
               ("Çağrı merkezi puanı", False, "İş ortağının ölçütü.")],
              "Net Promoter Score = %promoters − %detractors.\n\nSecond paragraph: ####."),
    _question("multiple", "Which are voice-of-the-customer sources?",
              [("Complaint logs", True, "Yes: unsolicited."), ("Surveys", True, "Yes: solicited."),
               ("Social listening", True, "Yes: unsolicited too."), ("The annual report", False, "")]),
    _question("multiple", "Pick the two loyalty behaviours.",
              [("Repurchase", True, "Yes."), ("Referral", True, "Yes."), ("Price", False, "No."),
               ("Logo", False, "No.")], "Behaviour, not attitude."),
    _question("true_false", "Şikâyetler yalnızca bir maliyettir.",
              [("True", False, "Hayır: bir fırsattır."), ("False", True, "Doğru, sadakat getirir.")],
              "Şikâyet = fırsat."),
    _question("true_false", "NPS asks about recommending the company.",
              [("True", True, "Right."), ("False", False, "")]),
    _question("true_false", "A question with no feedback at all.", [("True", False, ""), ("False", True, "")]),
]


def test_gift_round_trip_keeps_questions_with_turkish_and_special_characters():
    exported = export_gift(ROUND_TRIP)
    result = parse_gift(exported)
    assert result.problems == []
    assert [key(q) for q in result.questions] == [key(q) for q in ROUND_TRIP]


def test_moodle_xml_round_trip_keeps_questions_with_turkish_and_markup_characters():
    exported = export_moodle_xml(ROUND_TRIP)
    result = parse_moodle_xml(exported)
    assert result.problems == []
    assert [key(q) for q in result.questions] == [key(q) for q in ROUND_TRIP]


def test_round_trip_of_parsed_questions_is_stable():
    parsed = parse_gift(GIFT_SAMPLE).questions
    assert [key(q) for q in parse_gift(export_gift(parsed)).questions] == [key(q) for q in parsed]
    assert [key(q) for q in parse_moodle_xml(export_moodle_xml(parsed)).questions] == [key(q) for q in parsed]


def test_gift_export_escapes_special_characters_and_marks_plain_text():
    exported = export_gift([_question("single", "a:b = {c} ~ #d \\ e\nf", [("x", True, ""), ("y", False, "")])])
    assert exported.startswith("[plain]a\\:b \\= \\{c\\} \\~ \\#d \\\\ e\\nf{\n")


def test_multiple_answer_weights_are_moodle_fractions():
    exported = export_gift(ROUND_TRIP[1:3])
    assert "~%33.33333%Complaint logs" in exported and "~%-100%The annual report" in exported
    assert "~%50%Repurchase" in exported and "~%-50%Price" in exported
    quiz = ET.fromstring(export_moodle_xml(ROUND_TRIP[1:3]))
    fractions = [[a.get("fraction") for a in q.findall("answer")] for q in quiz.findall("question")]
    assert fractions == [["33.33333", "33.33333", "33.33333", "-100"], ["50", "50", "-50", "-50"]]
    allowed = set(formats.MOODLE_FRACTIONS)
    assert all(f.lstrip("-") in allowed for row in fractions for f in row)


def test_moodle_xml_export_is_well_formed_with_true_false_answers():
    quiz = ET.fromstring(export_moodle_xml(ROUND_TRIP[3:4]))
    question = quiz.find("question")
    assert question.get("type") == "truefalse"
    assert [(a.findtext("text"), a.get("fraction")) for a in question.findall("answer")] == [
        ("true", "0"), ("false", "100")]
    assert question.findtext("questiontext/text") == "Şikâyetler yalnızca bir maliyettir."


def test_exporters_take_any_objects_with_the_question_attributes():
    option = SimpleNamespace
    question = SimpleNamespace(type="true_false", stem="Doğru mu?", explanation="",
                               options=[option(text="Yanlış", correct=False, rationale="Hayır."),
                                        option(text="Doğru", correct=True, rationale="Evet.")])
    # The true option is found by its text (Turkish "Doğru") even when it comes second.
    back = parse_gift(export_gift([question])).questions[0]
    assert [(o.text, o.correct, o.rationale) for o in back.options] == [("True", True, "Evet."),
                                                                       ("False", False, "Hayır.")]
    assert key(parse_moodle_xml(export_moodle_xml([question])).questions[0]) == key(back)


def test_exporters_refuse_unknown_question_types():
    with pytest.raises(ValueError):
        export_gift([_question("essay", "Describe.", [])])
    with pytest.raises(ValueError):
        export_moodle_xml([_question("essay", "Describe.", [])])


def test_exporting_nothing_gives_an_empty_file_and_an_empty_quiz():
    assert export_gift([]) == ""
    assert parse_moodle_xml(export_moodle_xml([])) == formats.ParseResult([], [])
