"""P001 (pii): what looks like a real person's datum and what only has its shape.

The record fixture (fixtures/rules/pii.jsonl) holds chat records; here are the checks of each
value test on its own, the reading of a task statement, and instruction/input/output records,
whose instruction says what the task is about apart from the data it is given."""

from __future__ import annotations

import re

import pytest

from datalint.rules.privacy.pii import _organisation_number, about_personal_data
from datalint.rules.privacy.values import (issued_ssn, personal_email, personal_phone,
                                           real_card)

from .helpers import lint_records


@pytest.mark.parametrize("address", [
    "jane.smith@gmail.com", "priya.raman84@gmail.com", "marcus.delgado77@outlook.com",
    "dana.whitfield@nimbusdrive.io", "someone.real@gmail.com", "k.osei@uni-ghana.edu.gh",
    "1029384756@qq.com",
])
def test_addresses_that_may_be_a_persons(address):
    assert personal_email(address)


@pytest.mark.parametrize("address", [
    # dummies a writer types
    "123@gmail.com", "xxxx@gmail.com", "abc@yahoo.com", "aaaa@hotmail.com", "qwerty@gmail.com",
    "john.doe@gmail.com", "first.last@acme-corp.com", "your.name@gmail.com", "user123@mail.ru",
    "boss@gmail.com", "recipient@outlook.com",
    # reserved and made-up domains
    "jane.smith@example.org", "maria@corp.internal", "admin@intranet.local",
    "dana@shop.test", "li.wei@router.home.arpa", "tom.h@company.com", "ana@yourdomain.com",
    # an organisation's mailboxes
    "support@nimbusdrive.io", "info@brightlearn.org", "noreply@mailer.shopmart.com",
    "offers@shopmart.com", "customer.service@firstbank.com", "sales-uk@widgets.co.uk",
    "billing@nimbusdrive.io", "do-not-reply@news.example-mail.com", "info2@dentist.ie",
])
def test_addresses_that_are_no_ones(address):
    assert not personal_email(address)


@pytest.mark.parametrize("number", [
    "(312) 846-2957", "646-381-2750", "604.457.4895", "+1 415 867 2671", "+44 7911 482 630",
    "+44 20 7946 1958", "+49 30 8761 2294", "+61 2 9374 4000",
])
def test_numbers_that_may_be_a_persons(number):
    assert personal_phone(number)


@pytest.mark.parametrize("number", [
    # impossible in the North American plan: area code or exchange starting 0/1, N11, x9x
    "123-456-7890", "(123) 456-7890", "415-155-2671", "211-846-2957", "312-411-2957",
    "296-846-2957",
    # toll-free and premium lines
    "888-642-7331", "+1 800 273 8255", "(877) 846-2957", "900-846-2957",
    # fictional ranges: US 555-01xx, the UK regulator's drama numbers, Australia's
    "415-555-0123", "+44 7700 900461", "+44 20 7946 0123", "+44 113 496 0555",
    "+44 1632 960 021", "+61 2 5550 1234",
    # UK numbers organisations use: freephone, non-geographic, business rate
    "+44 800 123 4455", "+44 300 123 1000", "+44 845 600 2200",
    # one digit repeated, a counting run
    "999-999-9999", "+49 30 1234 5678",
])
def test_numbers_that_are_no_ones(number):
    assert not personal_phone(number)


def test_social_security_numbers_that_were_never_issued():
    assert issued_ssn("529-71-3846")
    for n in ("123-45-6789", "078-05-1120", "000-12-3456", "666-12-3456", "912-34-5678",
              "529-00-3846", "529-71-0000"):
        assert not issued_ssn(n), n


def test_card_numbers_need_the_checksum_and_no_published_test_number():
    assert real_card("4916 3382 7615 0421") and real_card("5374-2819-0364-5177")
    for n in ("4916 3382 7615 0422",  # checksum fails
              "4111 1111 1111 1111", "4242 4242 4242 4242", "5105 1051 0510 5100",
              "6011 1111 1111 1117", "3782 822463 10005", "4000 0000 0000 0002"):
        assert not real_card(n), n


@pytest.mark.parametrize("statement", [
    "Use regular expressions to extract the phone number from the string",
    "Apply the following validation to the user's email address.",
    "Create a new contact entry in the system.",
    "Write a function that checks whether a credit card number passes the Luhn checksum.",
    "Mask every e-mail address in the log below: 'ok for dana.w@gmail.com'",
    "Generate 5 random US phone numbers.",
    "Insert the following user into the customers table: name, email, phone.",
    "Format the phone number 6463812750 as (646) 381-2750.",
])
def test_statements_about_personal_data_itself(statement):
    assert about_personal_data(statement)


@pytest.mark.parametrize("statement", [
    "Why was I charged twice?",
    "Summarise the customer's complaint.",
    "Please save my new phone number, 646-381-2750, on my account.",
    "How do I add a card to my account?",
    "Can you validate my email? It is marcus.delgado77@outlook.com",
    "Write an email to my landlord about the broken heater.",
    "Translate the letter below into French.",
    "I need to add a phone number to the invoice.",
    "Insert an appropriate closing salutation to this email.",
    "Create a signature line for the following email.",
    "Generate three features a mobile phone should have.",
])
def test_statements_that_only_use_personal_data(statement):
    assert not about_personal_data(statement)


@pytest.mark.parametrize("text,flag", [
    ("Call the poison control helpline at (312) 906-6185 any time.", False),
    ("Acme Ltd's switchboard: +44 20 7031 3000", False),
    ("The box office is on +1 212 362 6000 (9am-5pm).", False),
    ("+1 212 362 6000 (customer service)", False),
    ("Call me at (312) 846-2957 tomorrow.", True),
    ("The hospital rang; my mobile is (312) 846-2957.", True),
    ("Hotline numbers are listed below.\nDana: (312) 846-2957", True),
])
def test_an_organisations_number_is_told_by_the_words_around_it(text, flag):
    m = re.search(r"[(+][0-9() +-]{9,}[0-9]", text)
    assert _organisation_number(text, m.start(), m.end()) is not flag


def _alpaca(instruction, input_, output):
    return {"instruction": instruction, "input": input_, "output": output}


# what an instruction set holds: records whose task is about the kind of datum (the values
# are its material: extract, validate, store it) and records that only carry someone's
_MATERIAL = [
    _alpaca("Use regular expressions to extract the phone number from the string",
            "My phone number is 604-457-4895", "604-457-4895"),
    _alpaca("Apply the following validation to the user's email address such that the output "
            "is true or false.", 'email = "joe_doe@gmail.com"',
            "import re\nprint(bool(re.match(r'^\\w+@\\w+\\.\\w+$', email)))"),
    _alpaca("Create a new contact entry in the system.",
            "Name: Emma Watson\nEmail: emma.watson@gmail.com",
            "A contact entry for Emma Watson has been created with the email: "
            "emma.watson@gmail.com"),
    _alpaca("Write a SQL query that inserts a customer with a name, email and phone.", "",
            "INSERT INTO customers VALUES ('Dana', 'dana.whitfield@gmail.com', "
            "'646-381-2750');"),
    _alpaca("Check the credit card number with the Luhn algorithm.", "4916 3382 7615 0421",
            "Valid."),
]
_SOMEONES = [
    _alpaca("Summarise the customer's complaint.",
            "From: Dana Whitfield <dana.whitfield@gmail.com>\nThe heater broke again. Call me "
            "on 646-381-2750.", "The customer's heater has failed again."),
    _alpaca("Write an email to my landlord about the broken heater.", "",
            "Dear Mr Okafor,\n\nThe heater is broken again. You can reach me on "
            "(312) 846-2957.\n\nBest,\nDana"),
    _alpaca("Reply to the refund request.", "",
            "Your refund was sent; I copied my manager, marcus.delgado77@outlook.com."),
]


def test_values_that_are_the_tasks_material_are_not_someones_data(tmp_path):
    report = lint_records(tmp_path, _MATERIAL + _SOMEONES, select=["P001"])
    flagged = {f.location.line for f in report.findings}
    assert flagged == set(range(len(_MATERIAL) + 1, len(_MATERIAL) + len(_SOMEONES) + 1))


def test_a_task_about_such_data_does_not_hide_a_secret(tmp_path):
    rec = _alpaca("Extract the e-mail addresses from the config.",
                  "owner = dana.whitfield@gmail.com\nkey = sk-proj-Ab3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1",
                  "dana.whitfield@gmail.com")
    [finding] = lint_records(tmp_path, [rec], select=["P001"]).findings
    assert finding.severity == "error" and "OpenAI" in finding.message


def test_a_system_prompts_policy_does_not_make_users_data_material(tmp_path):
    # a system prompt shared by a dataset may speak of such data over real users' turns
    system = "You are Nimbus Drive's assistant. Mask e-mail addresses and card numbers."
    records = [{"messages": [{"role": "system", "content": system},
                             {"role": "user", "content": user},
                             {"role": "assistant", "content": "Thanks, I've updated it."}]}
               for user in ("My new e-mail is marcus.delgado77@outlook.com.",
                            "Mask the e-mail addresses in 'login ok for marcus.delgado77@outlook.com'.")]
    assert [f.location.line for f in lint_records(tmp_path, records, select=["P001"]).findings] \
        == [1]


def test_a_year_after_a_name_is_an_address_a_counter_is_a_stand_in():
    assert personal_email("john1985@gmail.com") and personal_email("jane.smith42@outlook.com")
    assert not personal_email("user123@gmail.com") and not personal_email("name1@gmail.com")
