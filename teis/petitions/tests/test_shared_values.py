"""The petition form takes plates, phones and ID numbers as every other form does (core.validators):
沪B·D1234, refused here before, is accepted and stored as 沪BD1234 like in the case form."""

import pytest

from teis.core.services import ServiceError

from .conftest import petition_data

pytestmark = pytest.mark.django_db


def test_plate_phone_and_id_are_normalised_like_the_case_form(register):
    p = register(
        subject_plate="沪B·D1234", complainant_phone="+86 138-1234-5678", complainant_id_number="11010519491231002x"
    )
    assert p.subject_plate == "沪BD1234"
    assert p.complainant_phone == "13812345678"
    assert p.complainant_id_number == "11010519491231002X"


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("subject_plate", "ABC", "车牌号格式不正确"),
        ("complainant_id_number", "110105194912310021", "校验位不正确"),
        ("complainant_phone", "12345", "联系电话应为手机号码"),
    ],
)
def test_bad_values_get_the_shared_message(people, field, value, message):
    from teis.petitions.services.intake import do_register

    with pytest.raises(ServiceError) as exc:
        do_register(people.registrar, petition_data(people.categories, **{field: value}))
    assert message in exc.value.fields[field][0]


def test_duplicates_found_however_the_plate_is_typed(register, people):
    from teis.petitions.services.intake import find_duplicates

    first = register(subject_plate="沪BD1234")
    assert [p.pk for p in find_duplicates(people.registrar, plate="沪b·d1234")] == [first.pk]
