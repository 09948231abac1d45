-- Partner-matching components and scores, one narrow row per pair (METHOD.md 5): every district of the first bloc (var
-- matching_first_bloc, EU by default) paired with every district of the second (matching_second_bloc,
-- LATAM), set-based. Components, each in [0, 1] except M4 (0-100):
--   M1 same value chain: 1 when the main industries share an ISIC Rev.4 class (compared where both sides
--      link at class level) or an ISTAT group, else the proximity phi of their ISIC divisions
--      (industry_proximity; 1 for the same division);
--   M3 relatedness density of the second district's region around the first's strengths (ISIC
--      divisions with LQ >= match_strength_min_lq in the first region): the mean over those strengths k
--      of sum_j x_j phi_kj / sum_j phi_kj, x_j = 1 when the second region has RCA >= 1 in j;
--   M4 trade complementarity (Michaely 1996): TC = 100 (1 - sum_k |m_k - x_k| / 2) with x the first
--      region's export shares and m the second country's import shares by ISIC division, which
--      equals 100 sum_k min(x_k, m_k); NULL without exports on the first side or imports on the second;
--   M5 tier complementarity: 1 when the first region's machinery serving the second's group has
--      LQ >= match_machinery_min_lq and the second district's main-industry LQ >= match_user_min_lq, or
--      when the second region has LQ >= match_user_min_lq in a supplier division of the first's main
--      industry (input-output links); 0 otherwise;
--   M6 competition penalty: export similarity sum_k min(s_1k, s_2k) over the regions' export shares by
--      ISIC division (Finger & Kreinin 1979); NULL without exports on both sides;
--   M7 stage/type complementarity from seeds/type_complementarity.csv.
-- Composite [O]: the weighted sum of the available positive components (M1, M3, M4, M5, M7), rescaled to
-- the full positive weight when some are NULL, minus the M6 weight times M6. Weights are rule
-- parameters match_weight_*. intermediate.int_partner_matches adds ranks, names and reasons.
{%- set first_bloc = var('matching_first_bloc') %}
{%- set second_bloc = var('matching_second_bloc') %}
with rules as (
    select * from {{ ref('int_rules') }}
),

profiles as (
    -- An integer id per district keeps the million-row joins below on integers.
    select *, row_number() over (order by district_id) as pid from {{ ref('int_match_profiles') }}
),

regions as (
    select * from {{ ref('int_region_isic_division') }}
),

proximity as (
    select division_i, division_j, phi from {{ ref('int_industry_proximity') }}
),

capabilities as (
    -- Each district's regional capabilities (machinery LQs, export and import shares) by its pid.
    select p.pid, p.bloc, c.kind, c.item, c.value
    from profiles as p
    inner join {{ ref('int_match_capabilities') }} as c
        on c.country = p.country and c.ref_year = p.ref_year and c.region_code = p.region_code
),

pairs as (
    select
        f.pid as first_pid,
        s.pid as second_pid,
        f.district_id as first_district_id,
        s.district_id as second_district_id,
        f.country as first_country,
        s.country as second_country,
        f.ref_year as first_ref_year,
        s.ref_year as second_ref_year,
        f.main_isic4_division as first_isic4_division,
        s.main_isic4_division as second_isic4_division,
        f.main_isic4_class as first_isic4_class,
        s.main_isic4_class as second_isic4_class,
        f.main_group_code as first_group_code,
        s.main_group_code as second_group_code,
        f.typology_class as first_typology_class,
        s.typology_class as second_typology_class,
        s.lq as second_lq,
        f.is_synthetic or s.is_synthetic as is_synthetic
    from profiles as f
    inner join profiles as s
        on f.bloc = '{{ first_bloc }}' and s.bloc = '{{ second_bloc }}' and f.district_id <> s.district_id
),

m1 as (
    select
        p.first_pid,
        p.second_pid,
        case
            when p.first_isic4_class = p.second_isic4_class then 1.0
            when p.first_group_code = p.second_group_code then 1.0
            when p.first_isic4_division = p.second_isic4_division then 1.0
            else coalesce(x.phi, 0.0)
        end as m1,
        coalesce(p.first_isic4_class = p.second_isic4_class, false) as same_class,
        p.first_group_code = p.second_group_code as same_group,
        coalesce(x.phi, case when p.first_isic4_division = p.second_isic4_division then 1.0 end) as phi
    from pairs as p
    left join proximity as x on x.division_i = p.first_isic4_division and x.division_j = p.second_isic4_division
),

strengths as (
    -- The first districts' strengths: ISIC divisions with a high LQ in their regions.
    select p.pid, r.isic4_division
    from profiles as p
    inner join regions as r on r.country = p.country and r.ref_year = p.ref_year and r.region_code = p.region_code
    cross join rules as u
    where p.bloc = '{{ first_bloc }}' and r.lq >= u.match_strength_min_lq
),

density as (
    -- Relatedness density of each second-bloc region around each division (intermediate.int_relatedness_density).
    select p.pid, d.isic4_division as division_k, d.density
    from profiles as p
    inner join {{ ref('int_relatedness_density') }} as d
        on d.country = p.country and d.ref_year = p.ref_year and d.region_code = p.region_code
    where p.bloc = '{{ second_bloc }}'
),

m3 as (
    select p.first_pid, p.second_pid, avg(coalesce(d.density, 0)) as m3
    from pairs as p
    inner join strengths as s on s.pid = p.first_pid
    left join density as d on d.pid = p.second_pid and d.division_k = s.isic4_division
    group by p.first_pid, p.second_pid
),

machinery as (
    select pid, item as group_code, value as machinery_lq
    from capabilities where kind = 'machinery' and bloc = '{{ first_bloc }}'
),

supplier_strength as (
    -- The second region's best LQ among the supplier divisions of each first district's main industry.
    select f.pid as first_pid, s.pid as second_pid, max(r.lq) as supplier_lq
    from profiles as f
    inner join {{ ref('int_match_suppliers') }} as sup on sup.district_id = f.district_id
    inner join profiles as s on s.bloc = '{{ second_bloc }}'
    inner join regions as r
        on r.country = s.country and r.ref_year = s.ref_year and r.region_code = s.region_code
        and r.isic4_division = sup.isic4_division
    where f.bloc = '{{ first_bloc }}'
    group by f.pid, s.pid
),

m5 as (
    select
        p.first_pid,
        p.second_pid,
        m.machinery_lq,
        ss.supplier_lq,
        coalesce(m.machinery_lq >= u.match_machinery_min_lq and p.second_lq >= u.match_user_min_lq, false)
            as machinery_meets_users,
        coalesce(ss.supplier_lq >= u.match_user_min_lq, false) as final_firms_meet_suppliers
    from pairs as p
    cross join rules as u
    left join machinery as m on m.pid = p.first_pid and m.group_code = p.second_group_code
    left join supplier_strength as ss
        on ss.first_pid = p.first_pid and ss.second_pid = p.second_pid
),

export_shares as (
    select pid, item as isic4_division, value as share from capabilities where kind = 'export_share'
),

m6 as (
    select p.first_pid, p.second_pid, sum(least(a.share, b.share)) as m6
    from pairs as p
    inner join export_shares as a on a.pid = p.first_pid
    inner join export_shares as b on b.pid = p.second_pid and b.isic4_division = a.isic4_division
    group by p.first_pid, p.second_pid
),

import_shares as (
    select pid, item as isic4_division, value as share from capabilities where kind = 'import_share'
),

m4 as (
    select p.first_pid, p.second_pid, 100 * sum(least(x.share, m.share)) as m4
    from pairs as p
    inner join export_shares as x on x.pid = p.first_pid
    inner join import_shares as m on m.pid = p.second_pid and m.isic4_division = x.isic4_division
    group by p.first_pid, p.second_pid
),

importers as (
    select distinct pid from import_shares
),

exporters as (
    select distinct pid from export_shares
),

components as (
    select
        p.*,
        m1.m1,
        m1.same_class,
        m1.same_group,
        m1.phi,
        coalesce(m3.m3, 0.0) as m3,
        case when ef.pid is not null and im.pid is not null then coalesce(m4.m4, 0.0) end as m4,
        cast(case when m5.machinery_meets_users or m5.final_firms_meet_suppliers then 1 else 0 end as double) as m5,
        m5.machinery_meets_users,
        m5.final_firms_meet_suppliers,
        m5.machinery_lq,
        m5.supplier_lq,
        case
            when ef.pid is not null and es.pid is not null then coalesce(m6.m6, 0.0)
        end as m6,
        t.value as m7,
        u.match_weight_m1 as w1, u.match_weight_m3 as w3, u.match_weight_m4 as w4, u.match_weight_m5 as w5,
        u.match_weight_m7 as w7, u.match_weight_m6 as w6,
        u.rule_set_version
    from pairs as p
    cross join rules as u
    inner join m1 on m1.first_pid = p.first_pid and m1.second_pid = p.second_pid
    left join m3 on m3.first_pid = p.first_pid and m3.second_pid = p.second_pid
    inner join m5 on m5.first_pid = p.first_pid and m5.second_pid = p.second_pid
    left join m4 on m4.first_pid = p.first_pid and m4.second_pid = p.second_pid
    left join m6 on m6.first_pid = p.first_pid and m6.second_pid = p.second_pid
    left join importers as im on im.pid = p.second_pid
    left join exporters as ef on ef.pid = p.first_pid
    left join exporters as es on es.pid = p.second_pid
    left join {{ ref('type_complementarity') }} as t
        on t.first_class = p.first_typology_class and t.second_class = p.second_typology_class
),

scored as (
    select
        *,
        -- Available positive weight, and the factor that rescales it to the full positive weight.
        (w1 + w3 + w4 + w5 + w7)
            / (w1 + w3 + w5 + case when m4 is not null then w4 else 0 end + case when m7 is not null then w7 else 0 end)
            as rescale
    from components
),

contributions as (
    select
        *,
        rescale * w1 * m1 as c1,
        rescale * w3 * m3 as c3,
        rescale * w4 * coalesce(m4 / 100.0, 0) as c4,
        rescale * w5 * m5 as c5,
        rescale * w7 * coalesce(m7, 0) as c7,
        w6 * coalesce(m6, 0) as c6
    from scored
),

final_scores as (
    select *, c1 + c3 + c4 + c5 + c7 - c6 as score from contributions
)

select
    first_district_id, second_district_id, first_country, second_country, first_ref_year, second_ref_year,
    first_isic4_division, second_isic4_division, first_isic4_class, second_isic4_class,
    first_typology_class, second_typology_class,
    m1, same_class, same_group, phi, m3, m4, m5, machinery_meets_users, final_firms_meet_suppliers, machinery_lq, supplier_lq,
    m6, m7, c1, c3, c4, c5, c6, c7, score, rule_set_version, is_synthetic
from final_scores
