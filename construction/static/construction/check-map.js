/* global ol */
'use strict';
// The check-before-digging page: the pipelines the user may see (background), the answer's pipelines and
// their bands (GeoJSON in EPSG:4326, embedded with json_script), and one drawn work (point, line or area)
// whose GeoJSON geometry (EPSG:4326) is written into the form's hidden input.
(function () {
    const FORMAT = new ol.format.GeoJSON();
    const PROJ = {dataProjection: 'EPSG:4326', featureProjection: 'EPSG:3857'};

    function styleFor(feature) {
        const color = feature.get('color') || '#1f5fa8';
        const type = feature.getGeometry().getType();
        if (type.includes('Point')) {
            return new ol.style.Style({image: new ol.style.Circle({
                radius: feature.get('radius') || 5,
                fill: new ol.style.Fill({color: color}),
                stroke: new ol.style.Stroke({color: '#fff', width: 1.5})
            })});
        }
        return new ol.style.Style({
            stroke: new ol.style.Stroke({color: color, width: feature.get('width') || (feature.get('fill') ? 1 : 2)}),
            fill: feature.get('fill') ? new ol.style.Fill({color: color + '33'}) : undefined
        });
    }

    const BACKGROUND = new ol.style.Style({stroke: new ol.style.Stroke({color: '#8aa4c0', width: 2})});
    const DRAWN = new ol.style.Style({
        stroke: new ol.style.Stroke({color: '#c0392b', width: 3}),
        fill: new ol.style.Fill({color: 'rgba(192, 57, 43, 0.2)'}),
        image: new ol.style.Circle({radius: 7, fill: new ol.style.Fill({color: '#c0392b'}),
                                    stroke: new ol.style.Stroke({color: '#fff', width: 1.5})})
    });

    function read(id) {
        const node = id && document.getElementById(id);
        return node ? FORMAT.readFeatures(JSON.parse(node.textContent), PROJ) : [];
    }

    function init(container) {
        const input = document.getElementById(container.dataset.input);
        const layers = [];
        if (container.dataset.tileUrl) {
            layers.push(new ol.layer.Tile({source: new ol.source.XYZ({
                url: container.dataset.tileUrl, attributions: container.dataset.tileAttribution || ''
            })}));
        }
        const background = new ol.source.Vector();
        layers.push(new ol.layer.Vector({source: background, style: BACKGROUND}));
        const result = new ol.source.Vector({features: read(container.dataset.result).filter(f => !f.get('work'))});
        layers.push(new ol.layer.Vector({source: result, style: styleFor}));
        const drawn = new ol.source.Vector();
        layers.push(new ol.layer.Vector({source: drawn, style: DRAWN}));
        // The work as checked: drawn, or read from the uploaded file.
        const work = read(container.dataset.result).filter(f => f.get('work'));
        if (work.length) {
            drawn.addFeatures(work);
        } else if (input && input.value) {
            try {
                drawn.addFeature(new ol.Feature(FORMAT.readGeometry(JSON.parse(input.value), PROJ)));
            } catch (e) { input.value = ''; }
        }
        const view = new ol.View({center: ol.proj.fromLonLat([118.5, 37.45]), zoom: 9});
        const map = new ol.Map({target: container, layers: layers, view: view});
        const extent = ol.extent.createEmpty();
        [result, drawn].forEach(function (source) {
            if (source.getFeatures().length) { ol.extent.extend(extent, source.getExtent()); }
        });
        if (!ol.extent.isEmpty(extent)) {
            view.fit(extent, {padding: [40, 40, 40, 40], maxZoom: 16});
        }
        // The pipelines the user may see, fetched after the page: where to draw.
        fetch(container.dataset.backgroundUrl, {credentials: 'same-origin'})
            .then(response => response.json())
            .then(function (data) {
                background.addFeatures(FORMAT.readFeatures(data, PROJ));
                if (ol.extent.isEmpty(extent) && background.getFeatures().length) {
                    view.fit(background.getExtent(), {padding: [20, 20, 20, 20]});
                }
                container.dataset.pipelines = String(background.getFeatures().length);
            });

        let draw = null;
        const buttons = container.querySelectorAll('[data-draw]');
        function stop() {
            if (draw) { map.removeInteraction(draw); draw = null; }
            buttons.forEach(b => b.classList.remove('active'));
        }
        buttons.forEach(function (button) {
            button.addEventListener('click', function () {
                stop();
                button.classList.add('active');
                draw = new ol.interaction.Draw({source: drawn, type: button.dataset.draw, style: DRAWN});
                draw.on('drawstart', function () { drawn.clear(); result.clear(); });
                draw.on('drawend', function (event) {
                    const geometry = FORMAT.writeGeometryObject(event.feature.getGeometry(), PROJ);
                    input.value = JSON.stringify(geometry);
                    container.dataset.drawn = geometry.type;
                });
                map.addInteraction(draw);
            });
        });
        const clear = container.querySelector('[data-clear]');
        if (clear) {
            clear.addEventListener('click', function () {
                stop(); drawn.clear(); result.clear(); input.value = ''; delete container.dataset.drawn;
            });
        }

        const tooltip = container.querySelector('.map-tooltip');
        map.on('pointermove', function (event) {
            if (!tooltip || draw) { return; }
            const feature = map.forEachFeatureAtPixel(event.pixel, f => f, {hitTolerance: 4});
            if (feature && feature.get('label')) {
                tooltip.textContent = feature.get('label');
                tooltip.style.left = (event.pixel[0] + 12) + 'px';
                tooltip.style.top = (event.pixel[1] + 12) + 'px';
                tooltip.style.display = 'block';
            } else {
                tooltip.style.display = 'none';
            }
        });
        container.checkMap = map;
        container.dataset.resultCount = String(result.getFeatures().length);
        map.once('rendercomplete', function () { container.classList.add('map-ready'); });
    }

    document.addEventListener('DOMContentLoaded', function () {
        document.querySelectorAll('.check-map[data-background-url]').forEach(init);
    });
})();
