-- Published from intermediate.int_sforzi_istat (marts only select what is published; models read the intermediate
-- layer, which keeps every value for the identification). A value of register units the disclosure rules protect
-- is NULL here, under its status column: manufacturing_conf_status (LQ and prevalence of manufacturing),
-- size_conf_status (the size-class LQs), main_group_conf_status (the main group's values).
select * replace (
    case when manufacturing_conf_status = 'F' then lq_manufacturing end as lq_manufacturing,
    case when manufacturing_conf_status = 'F' then prevalence_manufacturing end as prevalence_manufacturing,
    {%- for column in ['lq_small_units', 'lq_medium_units', 'lq_large_units'] %}
    case when size_conf_status = 'F' then {{ column }} end as {{ column }},
    {%- endfor %}
    {%- for column in ['main_group_lq', 'main_group_prevalence_index', 'main_group_employees', 'main_group_sme_share',
                       'main_group_small_share', 'main_group_medium_units'] %}
    case when main_group_conf_status = 'F' then {{ column }} end as {{ column }}{{ "," if not loop.last }}
    {%- endfor %}
)
from {{ ref('int_sforzi_istat') }}
