/* global ol, django */
'use strict';
// The location part of a form with a map widget marked data-location-form
// (the hazard form): the pipelines offered follow the chosen company;
// choosing a pipeline highlights it and zooms to it; coordinates can be typed
// or pasted (read by the server: data-parse-url); a placed point gets its
// chainage and a typed chainage places the point (data-chainage-url). The
// server does the reading and the measuring, so there is one truth.
(function () {
    function feedbackAfter(input, id) {
        const note = document.createElement('p');
        note.id = id;
        note.className = 'help location-feedback';
        input.insertAdjacentElement('afterend', note);
        return note;
    }

    function show(note, text, isError) {
        note.textContent = text || '';
        note.className = (isError ? 'errornote' : 'help') + ' location-feedback';
    }

    function getJson(url) {
        return fetch(url, {credentials: 'same-origin', headers: {Accept: 'application/json'}}).then(function (r) {
            return r.json().then(function (data) { return {ok: r.ok, data: data}; });
        });
    }

    function onChange(element, handler) {
        if (window.django && django.jQuery) {
            django.jQuery(element).on('change', handler);  // select2 fires jQuery events only
        } else {
            element.addEventListener('change', handler);
        }
    }

    function init(wrapper) {
        const widget = window[wrapper.dataset.module];
        const company = document.getElementById('id_company');
        const pipeline = document.getElementById('id_pipeline');
        const coordinates = document.getElementById('id_coordinates');
        const chainage = document.getElementById('id_chainage_m');
        if (!widget || !pipeline) {
            return;
        }
        const view = widget.map.getView();
        const coordinatesNote = coordinates ? feedbackAfter(coordinates, 'coordinates-feedback') : null;
        const chainageNote = chainage ? feedbackAfter(chainage, 'chainage-feedback') : null;
        let quiet = false;  // a point placed from a chainage does not ask for its chainage back
        let pending = null;

        function pointLonLat() {
            const feature = widget.featureCollection.item(0);
            return feature ? ol.proj.toLonLat(feature.getGeometry().getCoordinates(), view.getProjection()) : null;
        }

        function askChainage() {
            const where = pointLonLat();
            if (!where || !pipeline.value || !chainage || !touched) {
                return;
            }
            const url = wrapper.dataset.chainageUrl + '?' + new URLSearchParams({
                pipeline: pipeline.value, lon: where[0].toFixed(7), lat: where[1].toFixed(7)
            });
            getJson(url).then(function (answer) {
                if (answer.ok) {
                    chainage.value = answer.data.chainage_m;
                    show(chainageNote, answer.data.message, false);
                } else {
                    show(chainageNote, answer.data.detail, true);
                }
            });
        }

        // Where the point was last seen: a feature event that does not move it (the map redrawing it,
        // a click on the point itself) must not rewrite the coordinates or the chainage the user left alone.
        let seen = placeKey();
        // Until the user touches the map or the fields, the point shown is the stored one (the widget may add
        // it after this script ran): nothing is recomputed, so a page saved untouched changes nothing.
        let touched = false;
        widget.map.getViewport().addEventListener('pointerdown', function () { touched = true; });

        function placeKey() {
            const where = pointLonLat();
            return where ? where[0].toFixed(7) + ',' + where[1].toFixed(7) : '';
        }

        function pointChanged() {
            const where = pointLonLat();
            if (!where || placeKey() === seen || !touched) {
                seen = placeKey();
                return;
            }
            seen = placeKey();
            if (coordinates) {
                coordinates.value = where[0].toFixed(6) + ', ' + where[1].toFixed(6);
                show(coordinatesNote, '', false);
            }
            if (!quiet) {
                askChainage();
            }
        }

        function placePoint(lon, lat, fromChainage) {
            touched = true;
            quiet = fromChainage;
            const coordinate = ol.proj.fromLonLat([lon, lat], view.getProjection());
            widget.featureCollection.clear();
            widget.featureCollection.push(new ol.Feature(new ol.geom.Point(coordinate)));
            quiet = false;
            if (!ol.extent.containsCoordinate(view.calculateExtent(widget.map.getSize()), coordinate)) {
                view.setCenter(coordinate);
            }
        }

        function watch(feature) {
            feature.on('change', function () {  // dragged with the modify tool
                clearTimeout(pending);
                pending = setTimeout(pointChanged, 300);
            });
        }
        widget.featureCollection.forEach(watch);
        widget.featureCollection.on('add', function (event) {
            watch(event.element);
            pointChanged();
        });
        // With a point placed, a click elsewhere moves it.
        widget.map.on('singleclick', function (event) {
            const feature = widget.featureCollection.item(0);
            if (feature && widget.interactions.draw && !widget.interactions.draw.getActive()) {
                const current = feature.getGeometry().getCoordinates();
                if (current[0] !== event.coordinate[0] || current[1] !== event.coordinate[1]) {
                    const lonLat = ol.proj.toLonLat(event.coordinate, view.getProjection());
                    placePoint(lonLat[0], lonLat[1], false);
                }
            }
        });

        if (coordinates) {
            const read = function () {
                if (!coordinates.value.trim()) {
                    return;
                }
                getJson(wrapper.dataset.parseUrl + '?' + new URLSearchParams({text: coordinates.value})).then(function (answer) {
                    if (answer.ok) {
                        placePoint(answer.data.lon, answer.data.lat, false);
                    } else {
                        show(coordinatesNote, answer.data.detail, true);
                    }
                });
            };
            coordinates.addEventListener('change', read);
            coordinates.addEventListener('keydown', function (event) {
                if (event.key === 'Enter') {
                    event.preventDefault();  // read the coordinates, do not submit the form
                    read();
                }
            });
        }

        if (chainage) {
            chainage.addEventListener('change', function () {
                if (!pipeline.value || chainage.value.trim() === '') {
                    return;
                }
                const url = wrapper.dataset.chainageUrl + '?' + new URLSearchParams({
                    pipeline: pipeline.value, chainage: chainage.value
                });
                getJson(url).then(function (answer) {
                    if (answer.ok) {
                        placePoint(answer.data.lon, answer.data.lat, true);
                        show(chainageNote, answer.data.message, false);
                    } else {
                        show(chainageNote, answer.data.detail, true);
                    }
                });
            });
        }

        // The pipelines offered are the chosen company's.
        const options = Array.from(pipeline.options).map(function (o) {
            return {value: o.value, text: o.text, company: o.dataset.company || ''};
        });
        function pipelineChanged() {
            widget.highlight(pipeline.value ? Number(pipeline.value) : null);
            askChainage();
        }
        function filterPipelines() {
            const chosen = company ? company.value : '';
            const current = pipeline.value;
            const offered = options.filter(function (o) { return !o.value || !chosen || o.company === chosen; });
            pipeline.replaceChildren.apply(pipeline, offered.map(function (o) {
                const option = new Option(o.text, o.value);
                option.dataset.company = o.company;
                return option;
            }));
            pipeline.value = offered.some(function (o) { return o.value === current; }) ? current : '';
            if (pipeline.value !== current) {
                pipelineChanged();
            }
        }
        if (company) {
            let chosenCompany = company.value;
            onChange(company, function () {
                if (company.value !== chosenCompany) {
                    chosenCompany = company.value;
                    touched = true;
                }
                filterPipelines();
            });
            filterPipelines();
        }
        // Other scripts of the admin may fire "change" on load with the value unchanged: only a new choice counts.
        let chosenPipeline = pipeline.value;
        onChange(pipeline, function () {
            if (pipeline.value === chosenPipeline) {
                return;
            }
            chosenPipeline = pipeline.value;
            touched = true;
            pipelineChanged();
        });
        if (pipeline.value) {
            // A hazard being corrected stays zoomed on its point.
            widget.highlight(Number(pipeline.value), !widget.featureCollection.getLength());
        }
        wrapper.classList.add('location-form-ready');
    }

    document.addEventListener('DOMContentLoaded', function () {
        document.querySelectorAll('.dj_map_wrapper[data-location-form]').forEach(init);
    });
})();
