-- District typology (METHOD.md 2): dimension levels D1-D7 (NULL where the inputs cannot give a
-- dimension), the ordered class rule, agreement, missing dimensions, a continuous score, a
-- low-confidence flag and a plain-language explanation in Spanish, Italian and English.
-- D1 size (firms, employees, ECO size star); D2 division of labour (LQs of the input-output
-- suppliers, the machinery industry and KIBS, export LQ: int_district_linkages); D3 output markets
-- (exports / turnover, where a register gives turnover); D4 innovation (IP rights against the
-- national industry); D5 finance (bank density against the national density, local-bank share);
-- D6 skills (skilled share or wage against the national industry); D7 institutions. A dimension
-- whose input is not loaded for the district's country and year is NULL.
with districts as (
    select * from {{ ref('int_districts') }}
),

rules as (
    select * from {{ ref('int_rules') }}
),

indicators as (
    select
        district_id,
        ref_year,
        sme_employment_share as sme_share,
        small_employment_share as small_share,
        export_share,
        bank_branches_per_10k_inhabitants as bank_density,
        local_bank_share
    from {{ ref('int_district_indicators_wide') }}
),

linkages as (
    select * from {{ ref('int_district_linkages') }}
),

stars as (
    select * from {{ ref('int_eco_stars') }}
),

unit_concentration as (
    -- Herfindahl index of unit employment in the main industry (Markusen overlay).
    select district_id, ref_year,
           sum(power(employees / total, 2)) as hhi
    from (
        select district_id, ref_year, employees, sum(employees) over (partition by district_id, ref_year) as total
        from {{ ref('int_district_units') }}
    ) as shares
    group by district_id, ref_year
),

national_banks as (
    -- The national density from the same years as the district's (int_input_years): branches and
    -- population of the latest years not after the reference year.
    select y.country, y.ref_year, sum(b.branches) * 10000.0 / nullif(sum(p.population), 0) as bank_density
    from (
        select
            country, ref_year,
            max(case when input = 'bank_branches' then input_year end) as bank_year,
            max(case when input = 'population' then input_year end) as population_year
        from {{ ref('int_input_years') }}
        where (country, ref_year) in (select distinct country, ref_year from districts)
        group by country, ref_year
    ) as y
    inner join {{ ref('stg_landing__bank_branches') }} as b on b.country = y.country and b.ref_year = y.bank_year
    inner join {{ ref('stg_landing__population') }} as p
        on p.country = y.country and p.ref_year = y.population_year and p.area_code = b.area_code
    group by y.country, y.ref_year
),

measures as (
    select
        d.district_id,
        d.ref_year,
        d.country,
        d.firms,
        d.employees,
        coalesce(s.has_size_star, false) as has_size_star,
        coalesce(s.eco_stars, 0) as eco_stars,
        f.is_district as is_sforzi_district,
        i.sme_share,
        i.small_share,
        h.hhi,
        t.leader_concentration,
        i.export_share,
        {{ safe_divide('i.bank_density', 'n.bank_density') }} as bank_density_ratio,
        i.local_bank_share,
        k.supplier_lq,
        k.machinery_lq,
        k.has_machinery_definition,
        k.kibs_lq,
        k.export_lq,
        k.innovation_ratio,
        k.skills_ratio,
        k.skills_measure,
        k.associations,
        k.service_centres,
        k.labelled_cluster_organisations,
        k.international_networks,
        x.supplier_lq_status,
        x.machinery_lq_status,
        x.kibs_lq_status,
        x.export_share_status,
        ts.conf_status as total_status,
        d.is_synthetic
    from districts as d
    left join linkages as k on d.district_id = k.district_id and d.ref_year = k.ref_year
    left join indicators as i on d.district_id = i.district_id and d.ref_year = i.ref_year
    left join stars as s
        on d.country = s.country and d.ref_year = s.ref_year and d.area_code = s.region_code
        and d.industry_system = s.industry_system and d.main_industry_code = s.industry_code
    left join national_banks as n on d.country = n.country and d.ref_year = n.ref_year
    left join {{ ref('int_sforzi_istat') }} as f
        on d.country = f.country and d.ref_year = f.ref_year and d.area_code = f.area_code
    left join unit_concentration as h on d.district_id = h.district_id and d.ref_year = h.ref_year
    left join {{ ref('int_district_tiers') }} as t on d.district_id = t.district_id and d.ref_year = t.ref_year
    left join {{ ref('int_district_derived_status') }} as x on d.district_id = x.district_id and d.ref_year = x.ref_year
    left join {{ ref('int_district_total_status') }} as ts
        on d.district_id = ts.district_id and d.ref_year = ts.ref_year
),

levels as (
    select
        m.*,
        case
            when m.employees > r.typology_d1_employees_level4 and m.firms >= r.typology_d1_firms_level3
                and m.has_size_star then 4
            when m.firms >= r.typology_d1_firms_level3 or m.employees >= r.typology_d1_employees_level3 then 3
            when m.firms >= r.typology_d1_firms_level2 and m.employees >= r.typology_d1_employees_level2 then 2
            else 1
        end as level_d1,
        case
            -- (a) decides level 2; (b) counts only where a machinery industry is defined for the main group.
            when m.supplier_lq is null then null
            when m.supplier_lq >= r.typology_d2_min_lq
                and coalesce(m.machinery_lq >= r.typology_d2_min_lq, not m.has_machinery_definition)
                and m.kibs_lq >= r.typology_d2_min_lq
                and m.export_lq >= r.typology_d2_export_lq_level4 then 4
            when m.supplier_lq >= r.typology_d2_min_lq
                and coalesce(m.machinery_lq >= r.typology_d2_min_lq, not m.has_machinery_definition)
                and m.kibs_lq >= r.typology_d2_min_lq then 3
            when m.supplier_lq >= r.typology_d2_min_lq then 2
            else 1
        end as level_d2,
        case
            when m.export_share is null then null
            when m.export_share >= r.typology_d3_export_level4 then 4
            when m.export_share >= r.typology_d3_export_level3 then 3
            when m.export_share >= r.typology_d3_export_level2 then 2
            else 1
        end as level_d3,
        case
            when m.innovation_ratio is null then null
            when m.innovation_ratio >= r.typology_d4_ratio_level4 then 4
            when m.innovation_ratio >= r.typology_d4_ratio_level3 then 3
            when m.innovation_ratio >= r.typology_d4_ratio_level2 then 2
            else 1
        end as level_d4,
        case
            when m.bank_density_ratio is null then null
            when m.bank_density_ratio >= r.typology_d5_density_level3
                and m.local_bank_share >= r.typology_d5_local_bank_level4 then 4
            when m.bank_density_ratio >= r.typology_d5_density_level3 then 3
            when m.bank_density_ratio >= r.typology_d5_density_level2 then 2
            else 1
        end as level_d5,
        case
            when m.skills_ratio is null then null
            when m.skills_ratio > r.typology_d6_ratio_level4 then 4
            when m.skills_ratio >= r.typology_d6_ratio_level3 then 3
            when m.skills_ratio >= r.typology_d6_ratio_level2 then 2
            else 1
        end as level_d6,
        case
            when m.associations is null then null
            when m.associations >= 1 and m.service_centres >= 1
                and (m.labelled_cluster_organisations >= 1 or m.international_networks >= 1) then 4
            when m.associations >= 1 and m.service_centres >= 1 then 3
            when m.associations >= 1 then 2
            else 1
        end as level_d7,
        r.typology_max_missing_dims as max_missing_dims,
        -- Overlay flags (METHOD.md 2.3): Markusen and Altenburg & Meyer-Stamer types.
        case
            when m.hhi is null then null
            when m.sme_share >= r.overlay_marshallian_min_sme_share and m.hhi < r.overlay_marshallian_max_hhi
                then 'marshallian'
            when m.leader_concentration in ('dominant_unit', 'concentrated') then 'hub_and_spoke'
            else 'neither'
        end as markusen_type,
        case
            when m.small_share is null or m.export_share is null then null
            when 1 - m.small_share >= r.overlay_mass_producer_min_share
                and m.export_share < r.typology_d3_export_level3 then 'mass_producer'
            else 'neither'
        end as altenburg_type,
        r.rule_set_version
    from measures as m
    cross join rules as r
),

long_levels as (
    {%- for d in range(1, 8) %}
    select district_id, ref_year, 'D{{ d }}' as dim, level_d{{ d }} as level from levels
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

summary as (
    select
        district_id,
        ref_year,
        count(level) as known_dims,
        avg(level) as score,
        {{ percentile_linear('level', 0.5) }} as median_level,
        string_agg(case when level is null then dim end, ', ' order by dim) as missing_dims
    from long_levels
    group by district_id, ref_year
),

class_rules as (
    select * from {{ ref('typology_class_rules') }}
),

class_levels as (
    select distinct typology_class, class_level from class_rules
),

alternatives as (
    -- Every alternative of every class (seeds/typology_class_rules.csv) and whether the district meets all of
    -- its conditions (a missing level meets none).
    select
        s.district_id,
        s.ref_year,
        c.class_order,
        c.typology_class,
        c.alternative,
        count(c.dimension) as conditions,
        count(c.dimension) filter (where ll.level >= c.min_level) as met
    from summary as s
    cross join class_rules as c
    left join long_levels as ll
        on ll.district_id = s.district_id and ll.ref_year = s.ref_year and ll.dim = c.dimension
    group by s.district_id, s.ref_year, c.class_order, c.typology_class, c.alternative
),

ruled as (
    -- The ordered rule: the first class (lowest class_order) with an alternative that holds.
    select district_id, ref_year, arg_min(typology_class, class_order) as rule_class
    from alternatives
    where met = conditions
    group by district_id, ref_year
),

classified as (
    select
        l.*,
        7 - s.known_dims as missing_count,
        s.missing_dims,
        s.score,
        7 - s.known_dims > l.max_missing_dims as low_confidence,
        case
            when 7 - s.known_dims > l.max_missing_dims then m.typology_class
            else r.rule_class
        end as typology_class
    from levels as l
    inner join summary as s on l.district_id = s.district_id and l.ref_year = s.ref_year
    inner join ruled as r on r.district_id = l.district_id and r.ref_year = l.ref_year
    -- Low confidence: the class whose level is the median of the known levels (within the classes' levels).
    left join class_levels as m
        on m.class_level = least(
            (select max(class_level) from class_levels),
            greatest((select min(class_level) from class_levels), cast(round(s.median_level) as integer))
        )
),

with_agreement as (
    select
        c.*,
        k.class_level
    from classified as c
    inner join class_levels as k on k.typology_class = c.typology_class
),

next_steps as (
    -- What the class above requires, in each language, built from the class rule and the rule set's thresholds.
    {{ typology_next_steps() }}
),

final as (
    select
        a.district_id,
        a.ref_year,
        a.country,
        a.typology_class,
        a.level_d1, a.level_d2, a.level_d3, a.level_d4, a.level_d5, a.level_d6, a.level_d7,
        round(
            ({% for d in range(1, 8) %}case when a.level_d{{ d }} = a.class_level then 1 else 0 end{{ " + " if not loop.last }}{% endfor %}) * 1.0
            / nullif(7 - a.missing_count, 0), 6
        ) as agreement,
        a.missing_dims,
        round(a.score, 6) as score,
        a.low_confidence,
        a.eco_stars,
        a.is_sforzi_district,
        a.markusen_type,
        a.altenburg_type,
        a.rule_set_version,
        {{ typology_explanation('es') }} as explanation_es,
        {{ typology_explanation('it') }} as explanation_it,
        {{ typology_explanation('en') }} as explanation_en,
        -- D1 rests on the district's total, D2 and D3 on the supplier, machinery and KIBS LQs and the export
        -- share: the levels, the class and the score inherit the strongest status among them.
        {{ inherited_conf_status(['a.total_status', 'a.supplier_lq_status', 'a.machinery_lq_status',
                                  'a.kibs_lq_status', 'a.export_share_status']) }} as conf_status,
        a.is_synthetic
    from with_agreement as a
    left join next_steps as n on n.typology_class = a.typology_class
)

select * from final
