import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from companies.models import OperatingCompany
from companies.validators import credit_code_check_char, validate_credit_code, validate_phone
from tests.factories import CompanyFactory

# A code with a correct check character, computed by hand from GB 32100-2015:
# weighted sum of 91370502MA3C00001 is 1361 -> 31 - 1361 % 31 = 3 -> "3".
VALID = "91370502MA3C000013"


def test_check_character_matches_hand_computation():
    assert credit_code_check_char(VALID[:17]) == "3"
    validate_credit_code(VALID)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("91370502MA3C00001", "18"),  # too short
        ("91370502MA3C000012", "3"),  # wrong check character, names the expected one
        ("91370502MA3C0000I3", "I"),  # I is not in the alphabet
        ("91370502ma3c000013", "a"),  # lower case is not allowed
    ],
)
def test_bad_credit_codes_are_refused_with_a_reason(value, message):
    with pytest.raises(ValidationError) as excinfo:
        validate_credit_code(value)
    assert message in str(excinfo.value)


def test_phone_numbers():
    for good in ("13800000000", "0546-8888888", "05468888888"):
        validate_phone(good)
    for bad in ("12345", "2380000000a", "+86 138"):
        with pytest.raises(ValidationError):
            validate_phone(bad)


@pytest.mark.django_db
def test_database_refuses_malformed_credit_code():
    company = CompanyFactory.build(credit_code="91370502MA3C0000I3")
    with pytest.raises(IntegrityError), transaction.atomic():
        company.save()


@pytest.mark.django_db
def test_credit_code_and_name_are_unique():
    first = CompanyFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        CompanyFactory(credit_code=first.credit_code)
    with pytest.raises(IntegrityError), transaction.atomic():
        CompanyFactory(name=first.name)


@pytest.mark.django_db
def test_full_clean_names_the_bad_field():
    company = OperatingCompany(
        name="某某公司", short_name="某某", credit_code="123", contact_person="李四", contact_phone="110"
    )
    with pytest.raises(ValidationError) as excinfo:
        company.full_clean()
    assert set(excinfo.value.message_dict) == {"credit_code", "contact_phone"}
