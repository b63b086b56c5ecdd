"""Canvas-importable QTI 1.2 zip (Settings -> Import Course Content -> QTI .zip file).

Layout follows text2qti, the Canvas-tested QTI writer: imsmanifest.xml, <id>/<id>.xml (questestinterop with one
assessment) and <id>/assessment_meta.xml. Each item is a `<section>` holding all its variants with
`<selection_number>1</selection_number>`: a Canvas question group that draws one variant per student.
Numeric answers are accepted in [answer - tolerance, answer + tolerance]; every choice carries its feedback.
"""

from __future__ import annotations

import zipfile
from html import escape
from pathlib import Path
from typing import Any

from lxml import etree
from lxml.builder import ElementMaker

from assignments.quiz import item_title

from .model import Quiz, num

QTI_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
CP_NS = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
CANVAS_NS = "http://canvas.instructure.com/xsd/cccv1p0"
Q = ElementMaker(namespace=QTI_NS, nsmap={None: QTI_NS})


def _ident(code: str) -> str:
    return "v_" + code.replace("/", "_")


def _meta(**fields: str) -> etree._Element:
    return Q.qtimetadata(*[Q.qtimetadatafield(Q.fieldlabel(k), Q.fieldentry(v)) for k, v in fields.items()])


def _mat(html: str) -> etree._Element:
    return Q.material(Q.mattext(html, texttype="text/html"))


def _feedback(ident: str, text: str) -> etree._Element:
    return Q.itemfeedback(Q.flow_mat(_mat(f"<p>{escape(text, quote=False)}</p>")), ident=ident)


def _on(cond: etree._Element, *then: etree._Element, cont: str = "Yes") -> etree._Element:
    return Q.respcondition(Q.conditionvar(cond), *then, **{"continue": cont})


def _show(ident: str) -> etree._Element:
    return Q.displayfeedback(feedbacktype="Response", linkrefid=ident)


def _item(v: dict[str, Any]) -> etree._Element:
    qtype = {"numeric": "numerical_question", "mcq": "multiple_choice_question",
             "truefalse": "true_false_question"}[v["type"]]
    text = v["html"] + f'<p><small>Question code: {v["code"]}</small></p>'
    outcomes = Q.outcomes(Q.decvar(maxvalue="100", minvalue="0", varname="SCORE", vartype="Decimal"))
    fbs = [_feedback("general_fb", v["feedback"])]
    conds = [_on(Q.other(), _show("general_fb"))]
    if v["type"] == "numeric":
        a, t = v["answer"], v["tolerance"]
        response = Q.response_str(Q.render_fib(Q.response_label(ident="answer1"), fibtype="Decimal"),
                                  ident="response1", rcardinality="Single")
        conds.append(_on(Q("or", Q.varequal(num(a), respident="response1"),
                           Q("and", Q.vargte(num(a - t), respident="response1"),
                             Q.varlte(num(a + t), respident="response1"))),
                         Q.setvar("100", action="Set", varname="SCORE"), cont="No"))
        answer_ids = "answer1"
    else:
        labels = [Q.response_label(_mat(c["html"]), ident=c["letter"]) for c in v["choices"]]
        response = Q.response_lid(Q.render_choice(*labels), ident="response1", rcardinality="Single")
        for c in v["choices"]:
            fbs.append(_feedback(f"{c['letter']}_fb", c["feedback"]))
            conds.append(_on(Q.varequal(c["letter"], respident="response1"), _show(f"{c['letter']}_fb")))
        right = next(c for c in v["choices"] if c["correct"])
        conds.append(_on(Q.varequal(right["letter"], respident="response1"),
                         Q.setvar("100", action="Set", varname="SCORE"), cont="No"))
        answer_ids = ",".join(c["letter"] for c in v["choices"])
    return Q.item(
        Q.itemmetadata(_meta(question_type=qtype, points_possible="1.0", original_answer_ids=answer_ids,
                             assessment_question_identifierref=_ident(v["code"]) + "_ref")),
        Q.presentation(_mat(text), response),
        Q.resprocessing(outcomes, *conds),
        *fbs,
        ident=_ident(v["code"]), title=v["code"],
    )


def assessment_xml(quiz: Quiz, ident: str, title: str) -> bytes:
    groups = []
    for item in quiz.items:
        selection = Q.selection_ordering(Q.selection(Q.selection_number("1"), Q.selection_extension(
            Q.points_per_item("1.0"))))
        groups.append(Q.section(selection, *[_item(v) for v in quiz.variants[item]], ident=f"g_{item}",
                                title=item_title(item)))
    root = Q.questestinterop(Q.assessment(_meta(cc_maxattempts="1"), Q.section(*groups, ident="root_section"),
                                          ident=ident, title=title))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def manifest_xml(ident: str) -> bytes:
    M = ElementMaker(namespace=CP_NS, nsmap={None: CP_NS})
    root = M.manifest(
        M.metadata(M.schema("IMS Content"), M.schemaversion("1.1.3")),
        M.organizations(),
        M.resources(
            M.resource(M.file(href=f"{ident}/{ident}.xml"), M.dependency(identifierref=f"{ident}_meta"),
                       identifier=ident, type="imsqti_xmlv1p2"),
            M.resource(M.file(href=f"{ident}/assessment_meta.xml"), identifier=f"{ident}_meta",
                       type="associatedcontent/imscc_xmlv1p1/learning-application-resource",
                       href=f"{ident}/assessment_meta.xml"),
        ),
        identifier=f"{ident}_manifest",
    )
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def meta_xml(ident: str, title: str, points: int) -> bytes:
    C = ElementMaker(namespace=CANVAS_NS, nsmap={None: CANVAS_NS})
    root = C.quiz(C.title(title), C.description(""), C.shuffle_answers("false"), C.scoring_policy("keep_highest"),
                  C.quiz_type("assignment"), C.points_possible(f"{points:.1f}"), C.allowed_attempts("1"),
                  C.available("false"), identifier=ident)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def write_qti(quiz: Quiz, out: Path) -> list[Path]:
    ident = f"lmcourse_quiz_{quiz.seed}"
    title = f"lmcourse quiz (seed {quiz.seed})"
    path = out / "quiz.qti.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("imsmanifest.xml", manifest_xml(ident))
        zf.writestr(f"{ident}/{ident}.xml", assessment_xml(quiz, ident, title))
        zf.writestr(f"{ident}/assessment_meta.xml", meta_xml(ident, title, len(quiz.items)))
    return [path]
