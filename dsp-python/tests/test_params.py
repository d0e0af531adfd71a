"""Parameters from the declaration table, for every registered kind: ranges,
defaults, presets (dict, JSON, pickle), copies, repr, and parameters set
from other threads while processing runs."""

from __future__ import annotations

import copy
import json
import math
import pickle
import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import masterlib as ml
from masterlib import _masterlib
from helpers import SR, noise

KINDS = _masterlib._kinds()
PARAMS = [(cls, p) for cls in KINDS.values() for p in cls.parameters]
# A rate high enough for every declared cutoff the tests pick.
FS = 192_000


def pid(item) -> str:
    cls, p = item
    return f"{cls.__name__}.{p.name}"


def off_default(p):
    """A valid value a quarter of the way from the default to the max (or the
    min when the max is infinite); the last choice; the other switch state."""
    if p.type == "bool":
        return not p.default
    if p.type == "choice":
        return p.choices[-1] if p.default != p.choices[-1] else p.choices[0]
    to = p.max if math.isfinite(p.max) else p.min
    v = p.default + 0.25 * (to - p.default)
    return round(v) if p.type == "int" else v


def configured(cls):
    """An instance with every parameter but `bypass` moved off its default."""
    return cls(**{p.name: off_default(p) for p in cls.parameters if p.name != "bypass"})


def render(p, seed: int = 0) -> np.ndarray:
    return p(noise(2, 3000, seed=seed, amp=0.5), FS)


def test_every_kind_has_a_class_and_the_declared_parameters():
    assert {"gain", "pan", "stereo_width", "channel_tool", "chain", "compressor", "limiter"} <= set(
        KINDS
    )
    assert {"peak_filter", "low_pass", "dc_blocker", "equalizer", "multiband_compressor"} <= set(
        KINDS
    )
    for name, cls in KINDS.items():
        assert getattr(ml, cls.__name__) is cls and cls._kind == name
        assert issubclass(cls, ml.Processor)
        for p in cls.parameters:
            assert isinstance(p, ml.Parameter)
            assert p.type in ("float", "int", "bool", "choice") and p.doc and p.name
            assert p.scale in ("linear", "log")
            d = p.to_dict()
            assert set(d) >= {"name", "unit", "type", "min", "max", "default", "choices", "doc"}
            assert (p.choices is not None) == (p.type == "choice")


@pytest.mark.parametrize("item", PARAMS, ids=pid)
def test_defaults_equal_the_declaration(item):
    cls, p = item
    obj = cls()
    value = getattr(obj, p.name)
    assert value == p.default
    assert type(value) is {"float": float, "int": int, "bool": bool, "choice": str}[p.type]
    assert obj.parameters == cls.parameters


@pytest.mark.parametrize("item", PARAMS, ids=pid)
def test_ranges_are_enforced_naming_the_parameter_and_its_range(item):
    cls, p = item
    obj = cls()
    if p.type in ("float", "int"):
        bad = [p.min - 1]
        if math.isfinite(p.max):
            bad.append(p.max + 1)
        if p.type == "float":
            bad.append(float("nan"))
        for value in bad:
            with pytest.raises(ValueError) as e:
                setattr(obj, p.name, value)
            message = str(e.value)
            assert p.name in message and p.range in message, message
            assert getattr(obj, p.name) == p.default
            if cls is not ml.MultibandCompressor:  # constructed from crossovers_hz
                with pytest.raises(ValueError, match=p.name):
                    cls(**{p.name: value})
        if p.type == "int":
            with pytest.raises(TypeError, match=p.name):
                setattr(obj, p.name, p.default + 0.5)
        for good in [p.min, p.max if math.isfinite(p.max) else p.min, p.default]:
            setattr(obj, p.name, good)
            assert getattr(obj, p.name) == good
    elif p.type == "choice":
        with pytest.raises(ValueError) as e:
            setattr(obj, p.name, "no_such_choice")
        assert all(c in str(e.value) for c in p.choices)
        with pytest.raises(TypeError, match=p.name):
            setattr(obj, p.name, 1)
        for c in p.choices:
            setattr(obj, p.name, c)
            assert getattr(obj, p.name) == c
    else:
        with pytest.raises(TypeError, match=p.name):
            setattr(obj, p.name, "yes")
        setattr(obj, p.name, not p.default)
        assert getattr(obj, p.name) is (not p.default)


# Every class whose constructor takes the declared parameters (the
# multiband compressor is made from crossovers_hz and its bands, the dynamic
# EQ from its bands, the
# convolution reverb from its impulse response and its rate, the linear-phase
# EQ from its curves, a chain and an equalizer from their members, then
# keywords).
OWN_CONSTRUCTOR = (
    ml.MultibandCompressor,
    ml.DynamicEq,
    ml.ConvolutionReverb,
    ml.LinearPhaseEq,
    ml.Chain,
    ml.Equalizer,
)
GENERATED = [c for c in KINDS.values() if c.parameters and c not in OWN_CONSTRUCTOR]


@pytest.mark.parametrize("cls", GENERATED, ids=lambda c: c.__name__)
def test_positional_arguments_follow_the_declaration_order(cls):
    values = [off_default(p) for p in cls.parameters]
    obj = cls(*values)
    assert [getattr(obj, p.name) for p in cls.parameters] == values
    with pytest.raises(TypeError, match="at most"):
        cls(*values, 0)
    with pytest.raises(TypeError, match="unexpected keyword argument 'no_such'"):
        cls(no_such=1)
    with pytest.raises(TypeError, match="multiple values"):
        cls(values[0], **{cls.parameters[0].name: values[0]})


def preset_cases():
    """Every kind configured off its defaults, and structured processors
    with members."""
    cases = {}
    for cls in GENERATED:
        cases[cls._kind] = lambda cls=cls: configured(cls)
    cases["nested_chain"] = lambda: ml.Chain(
        [
            ml.Gain(-4.5, invert=True),
            ml.Chain([ml.Pan(0.4, law="compromise"), ml.ChannelTool("swap")]),
            configured(ml.StereoWidth),
        ]
    )
    cases["equalizer"] = lambda: ml.Equalizer(
        [configured(ml.PeakFilter), configured(ml.LowShelf), ml.HighPass(40.0, order=4)]
    )
    cases["convolution_reverb"] = lambda: configured(ml.ConvolutionReverb)
    cases["multiband_compressor"] = lambda: ml.MultibandCompressor(
        [300.0, 2500.0, 9000.0], bands=[configured(ml.Compressor) for _ in range(4)]
    )
    return cases


PRESETS = preset_cases()


def bypassed_chain():
    c = PRESETS["nested_chain"]()
    c[0].bypass = True
    c[1][1].bypass = True
    return c


PRESETS["chain_with_bypass"] = bypassed_chain


@pytest.mark.parametrize("name", PRESETS)
def test_presets_round_trip_with_bit_identical_output(name):
    p = PRESETS[name]()
    d = p.to_dict()
    assert d["version"] == 2 and d["kind"] == p._kind
    assert json.loads(p.to_json()) == json.loads(json.dumps(d).replace("Infinity", "null"))
    want = render(p)
    cls = type(p)
    copies = [
        cls.from_dict(d),
        ml.Processor.from_dict(d),
        cls.from_json(p.to_json()),
        pickle.loads(pickle.dumps(p)),
        copy.deepcopy(p),
        copy.copy(p),
    ]
    for q in copies:
        assert type(q) is cls
        assert q.to_dict() == d
        assert repr(q) == repr(p)
        np.testing.assert_array_equal(render(q), want)


def test_structured_presets_nest_members_with_their_bypass():
    d = bypassed_chain().to_dict()
    assert d["members"][0]["params"]["bypass"] is True
    assert d["members"][1]["kind"] == "chain"
    assert d["members"][1]["members"][1] == {
        "version": 2,
        "kind": "channel_tool",
        "params": {"mode": "swap", "invert_left": False, "invert_right": False, "bypass": True},
    }
    eq = PRESETS["equalizer"]().to_dict()
    assert [m["kind"] for m in eq["members"]] == ["peak_filter", "low_shelf", "high_pass"]
    assert eq["params"] == {"bypass": False}
    mb = PRESETS["multiband_compressor"]()
    d = mb.to_dict()
    assert [m["kind"] for m in d["members"]] == ["compressor"] * 4
    assert d["params"]["crossover_3_hz"] == 9000.0 and d["params"]["bands"] == 4
    again = ml.MultibandCompressor.from_dict(d)
    assert len(again) == 4 and again.crossovers_hz == [300.0, 2500.0, 9000.0]
    assert all(isinstance(b, ml.Compressor) for b in again.bands)


def test_infinite_values_are_named_in_json():
    c = ml.Compressor(ratio=float("inf"))
    assert c.to_dict()["params"]["ratio"] == float("inf")
    assert json.loads(c.to_json())["params"]["ratio"] == "inf"
    assert ml.Compressor.from_json(c.to_json()).ratio == float("inf")
    d = c.to_dict()
    d["params"]["ratio"] = "inf"
    assert ml.Compressor.from_dict(d).ratio == float("inf")
    d["params"]["threshold_db"] = None
    with pytest.raises((ValueError, TypeError), match="threshold_db"):
        ml.Compressor.from_dict(d)


def test_bad_presets_name_what_is_wrong():
    d = ml.Gain(-3.0).to_dict()
    with pytest.raises(ValueError, match="makes a Gain, not a Pan"):
        ml.Pan.from_dict(d)
    with pytest.raises(ValueError, match="which is not a Filter"):
        ml.Filter.from_dict(d)
    with pytest.raises(ValueError, match=r"gain_db.*60"):
        ml.Gain.from_dict({**d, "params": {"gain_db": 99.0}})
    with pytest.raises(ValueError, match="volume"):
        ml.Gain.from_dict({**d, "params": {"volume": 1.0}})
    with pytest.raises(ValueError, match="reverb9000"):
        ml.Processor.from_dict({"kind": "reverb9000"})
    with pytest.raises(ValueError, match="newer"):
        ml.Gain.from_dict({**d, "version": 3})
    with pytest.raises(ValueError, match="unknown field"):
        ml.Gain.from_dict({**d, "colour": "red"})
    with pytest.raises(ValueError, match="kind"):
        ml.Gain.from_dict({"params": {}})
    with pytest.raises(TypeError, match="dict"):
        ml.Gain.from_dict([("kind", "gain")])
    with pytest.raises(ValueError, match="JSON"):
        ml.Gain.from_json("{kind: gain")
    chain = ml.Chain([ml.Gain()]).to_dict()
    chain["members"][0]["kind"] = "nope"
    with pytest.raises(ValueError, match="member 0.*nope"):
        ml.Chain.from_dict(chain)
    # A missing parameter takes its default.
    assert ml.Gain.from_dict({"kind": "gain"}).gain_db == 0.0


@pytest.mark.parametrize("name", PRESETS)
def test_copies_carry_parameters_not_state(name):
    p = PRESETS[name]()
    x = noise(2, 5000, seed=4, amp=0.5)
    p(x, FS)  # leaves signal state behind
    q = copy.deepcopy(p)
    fresh = PRESETS[name]()
    np.testing.assert_array_equal(
        q.process(x, FS, reset=False), fresh.process(x, FS, reset=False)
    )


@pytest.mark.parametrize("cls", GENERATED, ids=lambda c: c.__name__)
def test_repr_shows_every_value(cls):
    obj = configured(cls)
    for bypass in (False, True):
        obj.bypass = bypass
        text = repr(obj)
        assert text.startswith(cls.__name__ + "(")
        for p in cls.parameters:
            shown = f"{p.name}={getattr(obj, p.name)!r}" in text
            assert shown or (p.name == "bypass" and not bypass)  # bypass only when set
        again = eval(text, vars(ml))
        assert again.to_dict() == obj.to_dict()


def test_structured_reprs_show_their_members():
    assert repr(ml.MultibandCompressor([300.0], bands=[ml.Compressor(), ml.Compressor(-30.0)])) == (
        "MultibandCompressor(crossovers_hz=[300.0], bands=[" + repr(ml.Compressor()) + ", "
        + repr(ml.Compressor(-30.0)) + "])"
    )
    assert repr(ml.Equalizer([ml.Notch(50.0, 5.0)])) == (
        "Equalizer(bands=[Notch(cutoff_hz=50.0, q=5.0, design='cookbook')])"
    )


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_valid_values_round_trip(data):
    cls, p = data.draw(st.sampled_from([x for x in PARAMS if x[1].type != "choice"]))
    if p.type == "float":
        value = data.draw(st.floats(p.min, min(p.max, 1e6), allow_nan=False))
    elif p.type == "int":
        value = data.draw(st.integers(int(p.min), int(p.max)))
    else:
        value = data.draw(st.booleans())
    obj = cls()
    setattr(obj, p.name, value)
    assert getattr(obj, p.name) == value
    assert getattr(cls.from_dict(obj.to_dict()), p.name) == value
    assert getattr(cls.from_json(obj.to_json()), p.name) == value


@pytest.mark.parametrize("mode", ml.ChannelTool.parameters[0].choices)
def test_channel_tool_modes(mode):
    x = noise(2, 4000, seed=9)
    y = ml.ChannelTool(mode=mode)(x, SR)
    assert ml.ChannelTool(mode=mode).mode == mode
    left, right = x
    want = {
        "stereo": (left, right),
        "swap": (right, left),
        "mono_sum": (0.5 * (left + right), 0.5 * (left + right)),
        "left": (left, left),
        "right": (right, right),
        "mid_side_encode": (0.5 * (left + right), 0.5 * (left - right)),
        "mid_side_decode": (left + right, left - right),
    }[mode]
    np.testing.assert_allclose(y, np.stack(want), rtol=1e-6, atol=1e-7)


def test_channel_tool_round_trips_mid_side_and_needs_stereo():
    x = noise(2, 4000, seed=2)
    ms = ml.Chain([ml.ChannelTool("mid_side_encode"), ml.ChannelTool("mid_side_decode")])
    np.testing.assert_allclose(ms(x, SR), x, rtol=1e-6, atol=1e-7)
    with pytest.raises(ValueError, match=r"ChannelTool: needs stereo audio of shape \(2, samples\), got 1 channel$"):
        ml.ChannelTool("swap")(x[0], SR)


# -- threads -------------------------------------------------------------------


def test_parameters_set_from_another_thread_while_processing():
    x = noise(2, 10 * SR, seed=1, amp=0.5)  # 10 s
    comp = ml.Compressor(threshold_db=-10.0)
    errors: list[BaseException] = []
    started = threading.Event()

    def process():
        try:
            started.set()
            comp(x, SR)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    worker = threading.Thread(target=process)
    worker.start()
    started.wait()
    values = np.linspace(-40.0, -20.0, 100)
    for v in values:
        comp.threshold_db = float(v)
    with pytest.raises(ValueError, match="threshold_db"):
        comp.threshold_db = 99.0  # checked against the declaration even now
    worker.join()
    assert not errors, errors
    assert comp.threshold_db == values[-1]
    # The final value is the one processing uses.
    y = comp(x[:, :SR], SR)
    np.testing.assert_array_equal(y, ml.Compressor(threshold_db=values[-1])(x[:, :SR], SR))


def test_one_object_processed_from_two_threads():
    x = noise(2, 4 * SR, seed=3, amp=0.5)
    p = ml.Chain([ml.Compressor(-30.0), ml.Limiter(-6.0), ml.Equalizer([ml.PeakFilter(800.0, 3.0)])])
    want = p(x, SR)
    results: dict[int, np.ndarray] = {}
    errors: list[BaseException] = []

    def process(i):
        try:
            results[i] = p(x, SR)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=process, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    for y in results.values():
        np.testing.assert_array_equal(y, want)


def test_chains_sharing_members_in_opposite_orders_do_not_deadlock():
    a, b = ml.Gain(-1.0), ml.Gain(-2.0)
    x = noise(2, 2 * SR, seed=5)
    one, two = ml.Chain([a, b]), ml.Chain([b, a])
    threads = [threading.Thread(target=c, args=(x, SR)) for c in (one, two) * 3]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
        assert not t.is_alive()


def test_band_changes_reach_a_running_equalizer():
    band = ml.PeakFilter(1000.0, gain_db=0.0)
    eq = ml.Equalizer([band])
    x = noise(2, SR, seed=6)
    eq(x, SR)
    band.gain_db = 12.0  # while no call runs: applied at the next block
    y = eq.process(x, SR, reset=False)
    assert not np.allclose(y, x, atol=1e-3)
    assert eq.to_dict()["members"][0]["params"]["gain_db"] == 12.0


@pytest.mark.parametrize("name", ["chain_with_bypass", "equalizer", "multiband_compressor"])
def test_copy_shares_members_and_deepcopy_copies_them(name):
    p = PRESETS[name]()

    def members(obj):
        return list(obj) if isinstance(obj, ml.Chain) else obj.bands

    shallow, deep = copy.copy(p), copy.deepcopy(p)
    assert len(members(shallow)) == len(members(deep)) == len(members(p)) > 0
    assert all(a is b for a, b in zip(members(shallow), members(p)))
    assert not any(a is b for a, b in zip(members(deep), members(p)))
    assert shallow.to_dict() == deep.to_dict() == p.to_dict()


def test_unknown_choice_names_what_the_values_are():
    # The noun comes from the core declaration, for every kind (new ones too).
    with pytest.raises(ValueError, match=r"Delay: '1/3' is not a note value: note must be one of"):
        ml.Delay(note="1/3")
    with pytest.raises(ValueError, match="is not a pan law"):
        ml.Pan(law="sideways")


@pytest.mark.parametrize("cls", list(KINDS.values()), ids=lambda c: c.__name__)
def test_every_kind_bypasses_to_its_input(cls):
    """`bypass` is every kind's last parameter; bypassed, the output is the
    input (the latency is compensated as always)."""
    assert cls.parameters[-1].name == "bypass"
    x = noise(2, 6000, seed=9, amp=0.5)
    obj = cls()
    obj.bypass = True
    assert obj.bypass is True
    np.testing.assert_array_equal(obj(x, FS), x)


def test_structured_kinds_take_bypass_as_a_keyword():
    x = noise(2, 3000, seed=3)
    for obj in (
        ml.Chain([ml.Gain(-6.0)], bypass=True),
        ml.Equalizer([ml.PeakFilter(1000.0, gain_db=6.0)], bypass=True),
        ml.MultibandCompressor([500.0], bypass=True),
    ):
        assert obj.bypass and repr(obj).endswith(", bypass=True)")
        np.testing.assert_array_equal(obj(x, FS), x)
        again = type(obj).from_dict(obj.to_dict())
        assert again.bypass and repr(again) == repr(obj)
        np.testing.assert_array_equal(again(x, FS), x)


def test_version_1_presets_load_with_their_bypass():
    """Version 1 spelled a filter's bypass `enabled` and kept a chain
    member's beside its parameters."""
    peak = {"version": 1, "kind": "peak_filter", "params": {"gain_db": 6.0, "enabled": False}}
    assert ml.PeakFilter.from_dict(peak).bypass is True
    peak["params"]["enabled"] = True
    assert ml.PeakFilter.from_dict(peak).bypass is False
    chain = {
        "version": 1,
        "kind": "chain",
        "params": {},
        "members": [{"version": 1, "kind": "gain", "params": {"gain_db": -6.0}, "bypass": True}],
    }
    c = ml.Chain.from_dict(chain)
    assert c[0].bypass is True
    with pytest.raises(ValueError, match="enabled"):
        ml.PeakFilter.from_dict({**peak, "version": 2})
