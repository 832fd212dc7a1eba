"""The doors: one for each way a pupil's place changes.

Where a pupil is (its setting, the setting it is registered in, its regular school, its (v)so or sbo provider, its
place on a waiting list, whether it is registered at any school) changes only here: those columns of the pupils table
are guarded (``Pupils.GUARDED``), and each door opens them with ``pupils.writing()``. A door carries out a move that
an actor decided elsewhere; it keeps the kept row sets true (:class:`~passend.model.world.PupilRows`) and books the
move in the ledger (from which setting to which, and why), so that a move written anywhere else cannot forget either.

=============================  =====================================================================================
door                           the move
=============================  =====================================================================================
:func:`leave_school`           pupils past their last school year leave (August)
:func:`enter_school`           a cohort of four-year-olds enters primary school (August)
:func:`change_school`          pupils register at another regular school (no change of setting)
:func:`enter_secondary`        pupils move from primary to a secondary school (August)
:func:`label_lwoo_pro`         the regional committee (or the alliance) gives lwoo or pro
:func:`admit_special`          a (v)so provider admits pupils, from a school or from home
:func:`put_on_waiting_list`    pupils wait for a (v)so place
:func:`leave_waiting_list`     pupils stop waiting (the provider they waited for has closed)
:func:`refer_to_sbo`           pupils move to an sbo school
:func:`return_to_regular`      (v)so or sbo pupils move back to a regular school (terugplaatsing)
:func:`close_provider`         a (v)so provider closes: its pupils, waiting list and places go to another, or back to a
                               regular school when it was the last of its cluster
:func:`send_home`              a spell at home begins (breakdown, suspension, a cause outside school, an exemption
                               that ended)
:func:`deregister`             a child at home is taken off its school's register (absolute absence)
:func:`place_from_home`        a child at home goes (back) to school
:func:`exempt`                 a child is exempted from compulsory attendance (art. 5 onder a), from home or school
=============================  =====================================================================================
"""

from __future__ import annotations

import numpy as np

from passend.agents import special_school
from passend.engine.population import (IS_REGULAR, IS_SPECIAL, NO_PROVIDER, PRIMARY_GRADES, ROUTES_INTO_HOME, Route,
                                       Setting)
from passend.model.month import Month
from passend.model.support import grant_arrangements
from passend.model.world import World


# --- August: rows leave and enter ---------------------------------------------------------------------------------
def leave_school(world: World, month: Month) -> None:
    """Pupils past their last school year leave the country's schools (their rows go)."""
    p = world.pupils
    with p.writing():
        p.keep(p.grade(month.school_year) < PRIMARY_GRADES + p.secondary_years)


def enter_school(world: World, cohort: dict[str, np.ndarray]) -> None:
    """A cohort of four-year-olds (its columns, from ``passend.model.country.new_cohort``) enters primary school."""
    with world.pupils.writing():
        world.pupils.append(**cohort)
    world.next_uid += len(cohort["uid"])


# --- between schools ------------------------------------------------------------------------------------------------
def change_school(world: World, month: Month, idx: np.ndarray, school_rows: np.ndarray) -> None:
    """Pupils ``idx`` register at the regular schools ``school_rows`` (of registration, or of their catchment while in
    special education); what is kept about the pupils' schools follows the few who move."""
    p = world.pupils
    world.rows.change_school(month.school_year, idx, school_rows)
    with p.writing():
        p.school[idx] = school_rows


def enter_secondary(world: World, month: Month, idx: np.ndarray, school_rows: np.ndarray) -> None:
    """Pupils ``idx`` starting grade 8 register at the secondary schools ``school_rows``; those in a school move there
    (a child at home or exempt stays so, registered at the secondary school). Their primary school's notice of a need
    does not come along, nor a place on a waiting list or a provider."""
    p = world.pupils
    change_school(world, month, idx, school_rows)
    in_school = (p.setting[idx] != Setting.HOME) & (p.setting[idx] != Setting.EXEMPT)
    with p.writing():
        p.registered[idx] = Setting.VO
        world.ledger.move(p, idx[in_school], Setting.VO, "enter_secondary")
        p.waiting[idx] = False
        p.provider[idx] = NO_PROVIDER
    p.detected[idx] &= p.indication[idx] > 0


def label_lwoo_pro(world: World, idx: np.ndarray, setting: Setting) -> None:
    """Pupils ``idx`` entering secondary school are given lwoo or pro (``setting``); those in school move there."""
    p = world.pupils
    in_school = p.setting[idx] == Setting.VO
    with p.writing():
        p.registered[idx] = setting
        world.ledger.move(p, idx[in_school], setting, "lwoo_pro")


# --- special education ------------------------------------------------------------------------------------------------
def admit_special(world: World, month: Month, idx: np.ndarray, provider: np.ndarray, setting: np.ndarray) -> None:
    """Providers ``provider`` admit pupils ``idx`` to (v)so (``setting``: so or vso each), from a school or from home
    (which ends the spell); the pupils are registered there, and an arrangement in a regular school ends."""
    p = world.pupils
    from_home = p.setting[idx] == Setting.HOME
    with p.writing():
        _end_spells(world, idx[from_home], setting[from_home], "admission")
        world.ledger.move(p, idx[~from_home], setting[~from_home], "admission")
        p.registered[idx] = setting
        p.provider[idx] = provider
        p.waiting[idx] = False
    p.arrangement[idx] = 0


def put_on_waiting_list(world: World, idx: np.ndarray, provider: np.ndarray) -> None:
    """Pupils ``idx`` wait for a place at ``provider`` where they are."""
    p = world.pupils
    with p.writing():
        p.waiting[idx] = True
        p.provider[idx] = provider


def leave_waiting_list(world: World, idx: np.ndarray) -> None:
    """Pupils ``idx`` no longer wait for a (v)so place (no school of their cluster is left)."""
    p = world.pupils
    with p.writing():
        p.waiting[idx] = False


def refer_to_sbo(world: World, idx: np.ndarray, sbo_school: np.ndarray) -> None:
    """Pupils ``idx`` move from their primary school to the sbo schools ``sbo_school``."""
    p = world.pupils
    with p.writing():
        p.provider[idx] = sbo_school
        world.ledger.move(p, idx, Setting.SBO, "sbo_referral")
        p.registered[idx] = Setting.SBO


def return_to_regular(world: World, month: Month, idx: np.ndarray, arrangement: np.ndarray) -> None:
    """Terugplaatsing: (v)so or sbo pupils ``idx`` move back to the regular school of their catchment, with the
    arrangement (level) their alliance pays there."""
    p = world.pupils
    regular = p.regular_setting(month.school_year, idx)
    with p.writing():
        world.ledger.move(p, idx, regular, "terugplaatsing")
        p.registered[idx] = regular
        p.provider[idx] = NO_PROVIDER
    p.arrangement[idx] = arrangement


def close_provider(world: World, month: Month, closing: int, target: int) -> None:
    """Provider ``closing`` closes and merges into ``target``, which takes over its pupils, the pupils waiting for it
    and its places. With no ``target`` (-1: the last school of its cluster) its pupils go to a regular school of their
    catchment with the arrangement their need asks (a child at home only changes the school it is registered at);
    pupils who waited for it while in sbo stay in sbo, at an sbo school of their area."""
    p, prov = world.pupils, world.providers
    pupils = np.flatnonzero(p.provider == closing)
    prov.merged_into[closing] = target if target >= 0 else closing
    if target >= 0:
        prov.capacity_so[target] += prov.capacity_so[closing]
        prov.capacity_vso[target] += prov.capacity_vso[closing]
        world.provider_index[world.provider_index == closing] = target
        with p.writing():
            p.provider[pupils] = target
    else:
        in_place = pupils[IS_SPECIAL[p.setting[pupils]] | IS_SPECIAL[p.registered[pupils]]]
        regular = p.regular_setting(month.school_year, in_place)
        present = p.setting[in_place] != Setting.HOME
        with p.writing():
            world.ledger.move(p, in_place[present], regular[present], "closure")
            p.registered[in_place] = regular
            p.provider[pupils] = NO_PROVIDER
            p.waiting[pupils] = False
        grant_arrangements(world, month, in_place)
        in_sbo = pupils[p.registered[pupils] == Setting.SBO]
        u = month.uniform("school.sbo_school", p.uid[in_sbo])
        with p.writing():
            p.provider[in_sbo] = special_school.choose_sbo_school(prov, p.area[in_sbo], u)
    prov.capacity_so[closing] = 0.0
    prov.capacity_vso[closing] = 0.0


# --- children at home -------------------------------------------------------------------------------------------------
def send_home(world: World, month: Month, idx: np.ndarray, route: Route) -> None:
    """Pupils ``idx`` leave their place for home by ``route``; they stay registered where they were (an exempt child at
    the regular school of its age) until someone deregisters them. This is the only way home."""
    p = world.pupils
    with p.writing():
        p.registered[idx] = np.where(p.setting[idx] == Setting.EXEMPT, p.regular_setting(month.school_year, idx),
                                     p.setting[idx])
        world.ledger.move(p, idx, Setting.HOME, ROUTES_INTO_HOME[route])
    world.rows.add_at_home(idx)
    p.home_route[idx] = route
    p.months_home[idx] = 0
    p.found[idx] = False
    p.refusals[idx] = 0


def deregister(world: World, month: Month, idx: np.ndarray) -> None:
    """Children at home ``idx`` are taken off their school's register: absolute absence. The officer must find them
    now (the school no longer reports the absence); a later place is sought at a regular school of their age."""
    p = world.pupils
    with p.writing():
        p.unregistered[idx] = True
        p.registered[idx] = p.regular_setting(month.school_year, idx)
        p.provider[idx] = NO_PROVIDER
        p.waiting[idx] = False
    p.unregistered_this_year[idx] = True
    p.found[idx] = False


def place_from_home(world: World, month: Month, idx: np.ndarray, to: np.ndarray | int, reason: str,
                    school_rows: np.ndarray | None = None) -> None:
    """Children at home ``idx`` go (back) to school, in setting ``to``, at the regular schools ``school_rows`` if given
    (else the school they are registered at) and registered there; one placed in a regular school who waits for a
    (v)so place keeps its place in the queue. ``reason``: the route out of home (``ROUTES_OUT_OF_HOME``)."""
    p = world.pupils
    if school_rows is not None:
        change_school(world, month, idx, school_rows)
    to = np.broadcast_to(np.asarray(to, dtype=np.int8), idx.shape)
    with p.writing():
        _end_spells(world, idx, to, reason)
        p.registered[idx] = to
        regular = idx[IS_REGULAR[to]]
        p.provider[regular[~p.waiting[regular]]] = NO_PROVIDER


def exempt(world: World, month: Month, idx: np.ndarray) -> None:
    """Pupils ``idx`` are exempted from compulsory attendance (art. 5 onder a), from home (the spell ends) or from a
    school: registered at no school, on no waiting list, with no arrangement."""
    p = world.pupils
    from_home = p.setting[idx] == Setting.HOME
    with p.writing():
        _end_spells(world, idx[from_home], Setting.EXEMPT, "exemption")
        world.ledger.move(p, idx[~from_home], Setting.EXEMPT, "exemption")
        p.registered[idx] = p.regular_setting(month.school_year, idx)
        p.waiting[idx] = False
        p.provider[idx] = NO_PROVIDER
    p.arrangement[idx] = 0
    p.exempt_this_year[idx] = True


def _end_spells(world: World, idx: np.ndarray, to: np.ndarray | int, reason: str) -> None:
    """Spells at home of ``idx`` end: the children move to ``to`` (a school, or exempt), back on a register; the
    registered flows count the spells the officer knew of. Inside a door's ``writing()``."""
    p = world.pupils
    known = int(np.count_nonzero(p.found[idx]))
    world.ledger.move(p, idx, to, reason)
    world.ledger.count(f"known_out_{reason}", known)
    p.months_home[idx] = 0
    p.found[idx] = False
    p.unregistered[idx] = False
    p.refusals[idx] = 0
    p.home_route[idx] = Route.NONE
